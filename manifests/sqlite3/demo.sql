-- Run by manifests/sqlite3.toml inside the guest: builds a small on-disk
-- database (journal, file locks, fsync) and queries it.
CREATE TABLE apps(name TEXT PRIMARY KEY, kernel_kib INTEGER, boot_ms INTEGER);
BEGIN;
INSERT INTO apps VALUES ('hello', 1200, 900), ('sqlite3', 1250, 1100), ('redis', 1300, 1500);
COMMIT;
CREATE INDEX apps_boot ON apps(boot_ms);
.mode list
.separator " | "
SELECT 'rows', count(*) FROM apps;
SELECT name, boot_ms FROM apps WHERE boot_ms > 1000 ORDER BY name;
WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 30)
SELECT 'fib30', a FROM fib WHERE n = 30;
PRAGMA integrity_check;
SELECT 'sqlite', substr(sqlite_version(), 1, 2);
