DROP TABLE IF EXISTS bot_state;
DROP TABLE IF EXISTS subscriber_alerts;
DROP TABLE IF EXISTS subscriber_follows;
DROP TABLE IF EXISTS subscribers;
