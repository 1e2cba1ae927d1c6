// The demo data of `catalog seed`: Rick and Morty goods, priced in shmeckles and flurbos.
#pragma once

#include <string>
#include <vector>

namespace catalog::app {

struct DemoProduct {
  std::string name;
  std::string description;
  std::string image_url;
  double price_shmeckles;
  double price_flurbos;
  std::string category;           // by name
  std::vector<std::string> tags;  // by name
};

struct DemoCatalog {
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  std::vector<DemoProduct> products;
};

const DemoCatalog& demo_catalog();

}  // namespace catalog::app
