/**
 * The SQL the engine is meant to support, one statement per entry. It drives three things: the
 * measurement of what pgsql-ast-parser gets right on its own (library-gaps.test.ts), the golden
 * AST tests (corpus.test.ts) and the mutation fuzzing (fuzz.test.ts).
 *
 * `lib` records the measurement: "ok" when the library's AST is right (and is what parseSql
 * returns), "reshaped" when it is right but parseSql returns our node type for the construct,
 * "error" when the library rejects the statement (or crashes on it), "wrong" when it accepts it
 * with a wrong AST.
 */
export interface CorpusEntry {
  readonly id: string;
  readonly sql: string;
  readonly lib: "ok" | "reshaped" | "error" | "wrong";
}

export const corpus: readonly CorpusEntry[] = [
  // DDL: tables
  { id: "create-table-basic", lib: "ok", sql: "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, score float8 DEFAULT 0)" },
  {
    id: "create-table-types",
    lib: "ok",
    sql:
      "CREATE TABLE all_types (a bool, b boolean, c int2, d int4, e int8, f smallint, g integer, h bigint, i float4, j float8, " +
      "k real, l double precision, m numeric(10, 2), n decimal(5), o text, p varchar(20), q character varying(30), r bytea, " +
      "s date, u timestamp, w timestamptz, x uuid, y json, z jsonb, aa serial, ab bigserial)",
  },
  { id: "create-table-vector", lib: "ok", sql: "CREATE TABLE items (id bigserial PRIMARY KEY, embedding VECTOR(3), small vector(2))" },
  { id: "create-table-vector-metric", lib: "error", sql: "CREATE TABLE docs (id int, e VECTOR(768, COSINE), f vector(3, L2), g VECTOR(4, INNER))" },
  {
    id: "create-table-constraints",
    lib: "ok",
    sql:
      "CREATE TABLE IF NOT EXISTS orders (id serial, customer_id int NOT NULL, email varchar(255) UNIQUE, " +
      "qty int CHECK (qty > 0), status text DEFAULT 'new', PRIMARY KEY (id), UNIQUE (customer_id, email), CHECK (qty < 1000))",
  },
  { id: "create-table-named-constraint", lib: "ok", sql: "CREATE TABLE p (a int CONSTRAINT a_pos CHECK (a >= 0), b int, CONSTRAINT p_pk PRIMARY KEY (a, b))" },
  { id: "create-table-default-expr", lib: "ok", sql: "CREATE TABLE ev (id bigint DEFAULT nextval('ev_seq'), at timestamptz DEFAULT now(), tags text[])" },
  { id: "drop-table", lib: "ok", sql: "DROP TABLE t" },
  { id: "drop-table-if-exists", lib: "ok", sql: "DROP TABLE IF EXISTS t, u CASCADE" },
  { id: "alter-table-add-column", lib: "ok", sql: "ALTER TABLE t ADD COLUMN created date DEFAULT current_date" },
  { id: "alter-table-add-vector-column", lib: "error", sql: "ALTER TABLE t ADD COLUMN e vector(8, cosine)" },
  { id: "alter-table-drop-column", lib: "ok", sql: "ALTER TABLE t DROP COLUMN IF EXISTS created" },
  { id: "alter-table-rename", lib: "ok", sql: "ALTER TABLE t RENAME TO t2" },
  { id: "alter-table-rename-column", lib: "ok", sql: "ALTER TABLE t RENAME COLUMN a TO b" },
  { id: "alter-table-alter-column", lib: "ok", sql: "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP DEFAULT, ALTER COLUMN c TYPE bigint" },
  { id: "alter-table-add-constraint", lib: "ok", sql: "ALTER TABLE t ADD CONSTRAINT t_uq UNIQUE (a, b)" },

  // DDL: indexes, sequences
  { id: "create-index", lib: "ok", sql: "CREATE INDEX t_a_idx ON t (a)" },
  { id: "create-unique-index-multi", lib: "ok", sql: "CREATE UNIQUE INDEX IF NOT EXISTS t_ab ON t (a, b DESC)" },
  {
    id: "create-index-hnsw",
    lib: "ok",
    sql: "CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)",
  },
  { id: "create-index-hnsw-cosine", lib: "ok", sql: "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)" },
  { id: "drop-index", lib: "ok", sql: "DROP INDEX IF EXISTS t_a_idx" },
  { id: "create-sequence", lib: "ok", sql: "CREATE SEQUENCE s START WITH 10 INCREMENT BY 5" },
  { id: "create-sequence-plain", lib: "ok", sql: "CREATE SEQUENCE IF NOT EXISTS ev_seq" },
  { id: "drop-sequence", lib: "ok", sql: "DROP SEQUENCE s" },
  { id: "nextval", lib: "ok", sql: "SELECT nextval('s'), currval('s')" },

  // DML
  { id: "insert-values", lib: "ok", sql: "INSERT INTO t (id, name) VALUES (1, 'a')" },
  { id: "insert-multi-row", lib: "ok", sql: "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'it''s', -2), (3, NULL, DEFAULT)" },
  { id: "insert-returning", lib: "ok", sql: "INSERT INTO t (name) VALUES ('x') RETURNING id, name AS n" },
  { id: "insert-on-conflict-nothing", lib: "ok", sql: "INSERT INTO t (id, name) VALUES (1, 'a') ON CONFLICT DO NOTHING" },
  {
    id: "insert-on-conflict-update",
    lib: "ok",
    sql: "INSERT INTO t (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = excluded.name, n = t.n + 1",
  },
  { id: "insert-select", lib: "ok", sql: "INSERT INTO t2 (a, b) SELECT a, b FROM t WHERE a > 1" },
  { id: "insert-params", lib: "ok", sql: "INSERT INTO t (a, b) VALUES ($1, $2)" },
  { id: "insert-vector-literal", lib: "error", sql: "INSERT INTO items (embedding) VALUES ([1,2,3]), ('[4,5,6]'), ([-1.5, 2e-3, .5])" },
  { id: "insert-vector-cast", lib: "ok", sql: "INSERT INTO items (embedding) VALUES ('[1,2,3]'::vector)" },
  { id: "update", lib: "ok", sql: "UPDATE t SET a = a + 1, b = 'x' WHERE id = $1" },
  { id: "update-returning", lib: "ok", sql: "UPDATE t SET a = DEFAULT WHERE id IN (1, 2) RETURNING *" },
  { id: "update-vector", lib: "error", sql: "UPDATE items SET embedding = [0.1, 0.2, 0.3] WHERE id = 1" },
  { id: "delete", lib: "ok", sql: "DELETE FROM t WHERE a < 0" },
  { id: "delete-returning", lib: "ok", sql: "DELETE FROM t WHERE id = 1 RETURNING id" },

  // SELECT basics
  { id: "select-star", lib: "ok", sql: "SELECT * FROM t" },
  { id: "select-where", lib: "ok", sql: "SELECT a, b AS bee FROM t WHERE a > 1 AND (b = 'x' OR b IS NULL) AND NOT c" },
  { id: "select-distinct", lib: "ok", sql: "SELECT DISTINCT a FROM t" },
  { id: "select-order-limit", lib: "ok", sql: "SELECT a FROM t ORDER BY a DESC, b ASC NULLS LAST LIMIT 10 OFFSET 5" },
  { id: "select-group-having", lib: "ok", sql: "SELECT a, count(*), sum(b), avg(c), min(d), max(e) FROM t GROUP BY a HAVING count(*) > 1" },
  { id: "select-count-distinct", lib: "ok", sql: "SELECT count(DISTINCT a) FROM t" },
  { id: "select-no-from", lib: "ok", sql: "SELECT 1, 'two', 3.5, true, null" },
  { id: "select-params", lib: "ok", sql: "SELECT * FROM t WHERE a = $1 AND b = $2" },
  { id: "select-between-like-in", lib: "ok", sql: "SELECT * FROM t WHERE a BETWEEN 1 AND 5 AND b LIKE 'x%' AND c NOT IN (1, 2) AND d ILIKE '%y'" },
  { id: "select-is", lib: "ok", sql: "SELECT a IS NOT NULL, b IS TRUE, c IS NOT FALSE FROM t" },

  // joins
  { id: "join-inner", lib: "ok", sql: "SELECT * FROM a JOIN b ON a.id = b.a_id INNER JOIN c ON c.id = b.c_id" },
  { id: "join-left-right-full", lib: "ok", sql: "SELECT * FROM a LEFT JOIN b ON a.id = b.id RIGHT OUTER JOIN c ON c.id = a.id FULL JOIN d ON d.id = c.id" },
  { id: "join-cross", lib: "ok", sql: "SELECT * FROM a CROSS JOIN b" },
  { id: "join-comma", lib: "ok", sql: "SELECT * FROM a, b WHERE a.id = b.id" },
  { id: "join-using", lib: "ok", sql: "SELECT * FROM a JOIN b USING (id)" },
  { id: "join-alias", lib: "ok", sql: "SELECT x.a, y.b FROM t AS x LEFT JOIN u y ON x.id = y.id" },

  // subqueries
  { id: "subquery-in", lib: "ok", sql: "SELECT * FROM t WHERE a IN (SELECT a FROM u)" },
  { id: "subquery-exists", lib: "ok", sql: "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)" },
  { id: "subquery-not-exists", lib: "ok", sql: "SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a)" },
  { id: "subquery-scalar", lib: "ok", sql: "SELECT a, (SELECT max(b) FROM u WHERE u.a = t.a) AS m FROM t" },
  { id: "subquery-from", lib: "ok", sql: "SELECT s.a FROM (SELECT a FROM t) AS s" },

  // set operations
  { id: "union", lib: "ok", sql: "SELECT a FROM t UNION SELECT a FROM u" },
  { id: "union-all", lib: "ok", sql: "SELECT a FROM t UNION ALL SELECT a FROM u" },
  { id: "union-order-limit", lib: "wrong", sql: "SELECT a FROM t UNION SELECT a FROM u ORDER BY a LIMIT 3" },
  { id: "intersect", lib: "error", sql: "SELECT a FROM t INTERSECT SELECT a FROM u" },
  { id: "except", lib: "error", sql: "SELECT a FROM t EXCEPT ALL SELECT a FROM u" },
  { id: "set-op-precedence", lib: "error", sql: "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4" },
  { id: "union-chain", lib: "wrong", sql: "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3" },
  { id: "set-op-parenthesised", lib: "ok", sql: "(SELECT 1) UNION (SELECT 2)" },
  { id: "from-intersect", lib: "error", sql: "SELECT * FROM (SELECT a FROM t INTERSECT SELECT a FROM u) AS s" },
  { id: "insert-union", lib: "wrong", sql: "INSERT INTO t (a) SELECT a FROM u UNION SELECT a FROM v ORDER BY 1 RETURNING a" },
  { id: "subquery-except", lib: "error", sql: "SELECT * FROM t WHERE a IN (SELECT a FROM u EXCEPT SELECT a FROM v)" },

  // CTEs
  { id: "with", lib: "reshaped", sql: "WITH x AS (SELECT a FROM t), y AS (SELECT a FROM x) SELECT * FROM y" },
  { id: "with-columns", lib: "error", sql: "WITH x(a, b) AS (SELECT 1, 2) SELECT a + b FROM x" },
  {
    id: "with-recursive",
    lib: "reshaped",
    sql: "WITH RECURSIVE cnt(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM cnt WHERE n < 10) SELECT n FROM cnt",
  },
  {
    id: "with-recursive-two",
    lib: "error",
    sql:
      "WITH RECURSIVE base AS (SELECT id, parent FROM tree), walk(id, depth) AS (SELECT id, 0 FROM base WHERE parent IS NULL " +
      "UNION ALL SELECT b.id, w.depth + 1 FROM base b JOIN walk w ON b.parent = w.id) SELECT * FROM walk ORDER BY depth",
  },
  { id: "with-recursive-no-columns", lib: "error", sql: "WITH RECURSIVE r AS (SELECT 1 AS n UNION SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r" },

  // window functions
  { id: "window-partition-order", lib: "ok", sql: "SELECT a, row_number() OVER (PARTITION BY b ORDER BY c DESC) FROM t" },
  { id: "window-empty", lib: "ok", sql: "SELECT rank() OVER () FROM t" },
  {
    id: "window-rows-between",
    lib: "error",
    sql: "SELECT sum(a) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
  },
  { id: "window-rows-offset", lib: "error", sql: "SELECT avg(a) OVER (ORDER BY c ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM t" },
  { id: "window-range-start", lib: "error", sql: "SELECT sum(a) OVER (ORDER BY c RANGE UNBOUNDED PRECEDING) FROM t" },
  {
    id: "window-frame-params",
    lib: "error",
    sql: "SELECT sum(a) OVER (PARTITION BY b ROWS BETWEEN $1 PRECEDING AND $2 FOLLOWING EXCLUDE CURRENT ROW) FROM t",
  },
  {
    id: "window-named",
    lib: "error",
    sql: "SELECT sum(a) OVER w, rank() OVER (w ORDER BY c), count(*) OVER (w2) FROM t WINDOW w AS (PARTITION BY b), w2 AS (w ORDER BY c) ORDER BY 1",
  },
  { id: "window-named-frame", lib: "error", sql: "SELECT avg(a) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS (ORDER BY c)" },
  { id: "window-lag-lead", lib: "ok", sql: "SELECT lag(a, 1) OVER (ORDER BY b), lead(a) OVER (ORDER BY b), dense_rank() OVER (ORDER BY a) FROM t" },

  // expressions
  { id: "case-searched", lib: "ok", sql: "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END FROM t" },
  { id: "case-simple", lib: "ok", sql: "SELECT CASE a WHEN 1 THEN 'one' ELSE 'many' END FROM t" },
  { id: "coalesce-nullif", lib: "ok", sql: "SELECT coalesce(a, b, 0), nullif(a, 0), greatest(a, b), least(a, b) FROM t" },
  { id: "casts", lib: "ok", sql: "SELECT a::int, CAST(b AS text), '2024-01-01'::date, c::numeric(10, 2), d::varchar(3) FROM t" },
  { id: "cast-typed-literal", lib: "ok", sql: "SELECT DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00', INTERVAL '1 day'" },
  {
    id: "string-functions",
    lib: "wrong",
    sql: "SELECT lower(a), upper(a), length(a), substring(a FROM 2 FOR 3), trim(a), concat(a, b), a || b, replace(a, 'x', 'y'), position('x' IN a) FROM t",
  },
  { id: "trim-syntax", lib: "error", sql: "SELECT trim(BOTH ' ' FROM a), trim(LEADING '0' FROM b), trim(TRAILING FROM c) FROM t" },
  { id: "math-functions", lib: "ok", sql: "SELECT abs(a), round(b, 2), ceil(c), floor(d), sqrt(e), power(f, 2), mod(g, 3), a % 3, -a FROM t" },
  {
    id: "date-functions",
    lib: "ok",
    sql: "SELECT now(), current_date, current_timestamp, extract(year FROM d), date_trunc('day', ts), ts + INTERVAL '1 hour' FROM t",
  },
  { id: "json-ops", lib: "ok", sql: "SELECT j -> 'a', j ->> 'b', j @> '{\"a\":1}' FROM t" },
  { id: "string-escapes", lib: "error", sql: "SELECT 'it''s', E'tab\\there', $$dollar 'quoted'$$, \"Quoted Col\" FROM t" },
  { id: "minus-without-space", lib: "error", sql: "SELECT a-1, n -1, 2-1 FROM t" },
  { id: "negative-literals", lib: "ok", sql: "SELECT -1, - 1, -a, -2.5 FROM t" },
  { id: "exponent-numbers", lib: "wrong", sql: "SELECT 1e3, 2.5E2 FROM t" },
  { id: "concat-precedence", lib: "wrong", sql: "SELECT 'n=' || n + 1 FROM t" },
  { id: "escape-string-quote", lib: "error", sql: "SELECT E'it\\'s'" },
  { id: "unicode-string", lib: "wrong", sql: "SELECT U&'d\\0061t\\+000061'" },
  { id: "bit-strings", lib: "wrong", sql: "SELECT B'0101', X'1F'" },
  { id: "quoted-identifier-escape", lib: "wrong", sql: 'SELECT "say ""hi""" FROM t' },
  { id: "non-ascii-identifier", lib: "error", sql: "SELECT café FROM menü" },
  { id: "string-continuation", lib: "error", sql: "SELECT 'foo'\n'bar'" },
  { id: "limit-all", lib: "error", sql: "SELECT a FROM t LIMIT ALL" },
  { id: "comments", lib: "ok", sql: "SELECT /* block /* nested */ comment */ a -- line comment\nFROM t" },

  // vectors
  { id: "vector-l2", lib: "error", sql: "SELECT id FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5" },
  { id: "vector-cosine", lib: "error", sql: "SELECT id, embedding <=> $1 AS dist FROM items ORDER BY dist" },
  { id: "vector-inner", lib: "error", sql: "SELECT id FROM items ORDER BY embedding <#> [1,2,3] LIMIT 5" },
  { id: "vector-where", lib: "error", sql: "SELECT * FROM items WHERE embedding <-> [1,2,3] < 0.5" },
  { id: "vector-cast", lib: "error", sql: "SELECT embedding <-> '[1,2]'::vector FROM items" },
  { id: "vector-literal-select", lib: "error", sql: "SELECT [1,2,3], [0.5, -1]" },
  { id: "vector-filter", lib: "error", sql: "SELECT count(*) FILTER (WHERE embedding <=> $1 < 0.2) FROM items" },
  { id: "vector-case", lib: "error", sql: "SELECT CASE WHEN e <-> [1,1] > 1 THEN 'far' ELSE 'near' END FROM items" },
  { id: "vector-arith", lib: "error", sql: "SELECT a + b <-> c * d, 1 - (embedding <=> [1,0]) AS similarity FROM items" },

  // transactions
  { id: "begin", lib: "ok", sql: "BEGIN" },
  { id: "begin-isolation", lib: "ok", sql: "BEGIN ISOLATION LEVEL SERIALIZABLE" },
  { id: "begin-transaction-isolation", lib: "ok", sql: "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ" },
  { id: "start-transaction", lib: "reshaped", sql: "START TRANSACTION" },
  { id: "start-transaction-isolation", lib: "error", sql: "START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY" },
  { id: "begin-modes", lib: "error", sql: "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, NOT DEFERRABLE" },
  { id: "commit", lib: "ok", sql: "COMMIT" },
  { id: "commit-work", lib: "error", sql: "COMMIT WORK" },
  { id: "abort", lib: "error", sql: "ABORT" },
  { id: "set-session-characteristics", lib: "error", sql: "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ" },
  { id: "rollback", lib: "ok", sql: "ROLLBACK" },
  { id: "end", lib: "error", sql: "END" },
  { id: "set-transaction", lib: "error", sql: "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE" },
  { id: "savepoint", lib: "error", sql: "SAVEPOINT sp1" },
  { id: "release-savepoint", lib: "error", sql: "RELEASE SAVEPOINT sp1" },
  { id: "release", lib: "error", sql: "RELEASE sp1" },
  { id: "rollback-to-savepoint", lib: "error", sql: "ROLLBACK TO SAVEPOINT sp1" },
  { id: "rollback-to", lib: "error", sql: "ROLLBACK TO sp1" },
  { id: "prepare-transaction", lib: "error", sql: "PREPARE TRANSACTION 'gid-1'" },
  { id: "commit-prepared", lib: "error", sql: "COMMIT PREPARED 'gid-1'" },
  { id: "rollback-prepared", lib: "error", sql: "ROLLBACK PREPARED 'gid-1'" },

  // locking
  { id: "for-update", lib: "ok", sql: "SELECT * FROM t WHERE id = 1 FOR UPDATE" },
  { id: "for-share-nowait", lib: "ok", sql: "SELECT * FROM t FOR SHARE NOWAIT" },
  { id: "for-update-nowait", lib: "ok", sql: "SELECT * FROM t WHERE a = 1 FOR UPDATE NOWAIT" },
  { id: "lock-table", lib: "error", sql: "LOCK TABLE t IN ACCESS EXCLUSIVE MODE" },
  { id: "lock-table-share", lib: "error", sql: "LOCK TABLE t, u IN SHARE ROW EXCLUSIVE MODE" },

  // utility
  { id: "explain", lib: "error", sql: "EXPLAIN SELECT * FROM t WHERE a = 1" },
  { id: "explain-analyze", lib: "error", sql: "EXPLAIN ANALYZE SELECT id FROM items ORDER BY embedding <-> [1,2,3] LIMIT 1" },
  { id: "analyze", lib: "error", sql: "ANALYZE" },
  { id: "analyze-table", lib: "error", sql: "ANALYZE t" },
  { id: "set-eq", lib: "ok", sql: "SET search_path = public" },
  { id: "set-to", lib: "ok", sql: "SET statement_timeout TO 5000" },
  { id: "set-dotted", lib: "error", sql: "SET hnsw.ef_search = 40" },
  { id: "set-string", lib: "ok", sql: "SET application_name = 'psql'" },
  { id: "set-fraction", lib: "error", sql: "SET random_page_cost = 1.1" },
  { id: "set-local-list", lib: "wrong", sql: "SET LOCAL search_path TO 'a', b" },
  { id: "set-time-zone", lib: "reshaped", sql: "SET TIME ZONE 'UTC'" },
  { id: "set-local-time-zone", lib: "error", sql: "SET LOCAL TIME ZONE LOCAL" },
  { id: "reset", lib: "error", sql: "RESET hnsw.ef_search" },
  { id: "reset-all", lib: "error", sql: "RESET ALL" },
  { id: "show", lib: "ok", sql: "SHOW search_path" },
  { id: "show-dotted", lib: "error", sql: "SHOW hnsw.ef_search" },
  { id: "show-all", lib: "error", sql: "SHOW ALL" },
  { id: "show-isolation", lib: "error", sql: "SHOW TRANSACTION ISOLATION LEVEL" },

  // COPY
  { id: "copy-from-stdin", lib: "error", sql: "COPY t FROM STDIN" },
  { id: "copy-from-stdin-options", lib: "error", sql: "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ',', NULL '')" },
  { id: "copy-to-stdout", lib: "error", sql: "COPY t TO STDOUT" },
  { id: "copy-legacy-options", lib: "error", sql: "COPY t TO STDOUT WITH CSV HEADER DELIMITER AS ';'" },
  { id: "copy-query-to-stdout", lib: "error", sql: "COPY (SELECT a FROM t WHERE a > 1) TO STDOUT WITH (FORMAT text, HEADER)" },

  // roles
  { id: "create-role", lib: "error", sql: "CREATE ROLE reader" },
  { id: "create-user", lib: "error", sql: "CREATE USER alice WITH LOGIN PASSWORD 'secret' SUPERUSER" },
  { id: "create-role-login", lib: "error", sql: "CREATE ROLE bob LOGIN PASSWORD 'pw'" },
  { id: "alter-role-password", lib: "error", sql: "ALTER ROLE alice WITH PASSWORD 'new'" },
  { id: "alter-user-password", lib: "error", sql: "ALTER USER alice PASSWORD 'new'" },
  { id: "drop-role", lib: "error", sql: "DROP ROLE reader" },
  { id: "drop-user-if-exists", lib: "error", sql: "DROP USER IF EXISTS alice" },
];
