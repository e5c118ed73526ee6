// Independent Parquet reader for the Store interop tests: DuckDB reads a file our writer produced and this script
// prints what it saw as one JSON object on stdout:
//   { "describe": [{ "column_name", "column_type", "null" }...], "count": N, "rows": [{ column: value }...],
//     "filtered_count": N }   <- only when a WHERE predicate is given: count(*) of the rows it keeps
// The predicate runs in DuckDB as it comes (trusted test input); it checks that DuckDB's statistics-based row-group
// pruning keeps the rows a full scan would.
// Values come from DuckDB's own JSON conversion (bigints and timestamps as strings, NaN/Infinity as strings),
// so the C# test compares against DuckDB's reading, not against anything our reader computed.
// Usage: node read_parquet.mjs <file.parquet> [where-predicate]
// TIMESTAMP WITH TIME ZONE values are turned into text in the process's local zone, captured when the package loads
// (this DuckDB build has no ICU, so its TimeZone setting cannot be changed): pin the zone to UTC *before* importing,
// so the test can compare timestamps as UTC text on any machine.
process.env.TZ = 'UTC';
const { DuckDBInstance } = await import('@duckdb/node-api');

const file = process.argv[2];
const predicate = process.argv[3];
if (!file) {
  console.error('usage: node read_parquet.mjs <file.parquet> [where-predicate]');
  process.exit(2);
}

// A single-quoted SQL string literal: the path is data, never SQL.
const literal = `'${file.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
try {
  const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal})`);
  const count = await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${literal})`);
  const rows = await connection.runAndReadAll(`SELECT * FROM read_parquet(${literal})`);
  const result = {
    describe: describe.getRowObjectsJson().map(r => ({ column_name: r.column_name, column_type: r.column_type, null: r.null })),
    count: Number(count.getRowObjectsJson()[0].n),
    rows: rows.getRowObjectsJson(),
  };
  if (predicate) {
    const filtered = await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${literal}) WHERE ${predicate}`);
    result.filtered_count = Number(filtered.getRowObjectsJson()[0].n);
  }
  process.stdout.write(JSON.stringify(result));
} finally {
  connection.closeSync();
  instance.closeSync();
}
