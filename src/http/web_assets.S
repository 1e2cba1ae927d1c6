// The Swagger UI and ReDoc files, pulled into .rodata byte for byte: .incbin keeps megabytes
// of JavaScript out of the C++ compiler. cmake/web_assets.cmake unpacks them and passes
// their directory with -Wa,-I; src/http/web_assets.cpp reads the begin/end symbols.

// Each asset gets <sym>_begin and <sym>_end; a trailing NUL that is not part of the
// asset keeps the bytes printable as a C string while debugging.
.macro catalog_web_asset sym, file
  .section .rodata.catalog_web_assets,"a",@progbits
  .balign 16
  .global \sym\()_begin
  .global \sym\()_end
  .hidden \sym\()_begin
  .hidden \sym\()_end
\sym\()_begin:
  .incbin "\file"
\sym\()_end:
  .byte 0
.endm

catalog_web_asset catalog_web_swagger_ui_bundle_js, "swagger-ui-dist/swagger-ui-bundle.js"
catalog_web_asset catalog_web_swagger_ui_css, "swagger-ui-dist/swagger-ui.css"
catalog_web_asset catalog_web_swagger_ui_favicon, "swagger-ui-dist/favicon-32x32.png"
catalog_web_asset catalog_web_redoc_standalone_js, "redoc-offline/redoc.standalone.js"

// No executable stack: without this note the linker would assume one is needed.
.section .note.GNU-stack,"",@progbits
