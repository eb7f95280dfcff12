// Runs in main (Node): a plain, comparable description of a database's schema, so each
// migration's test can state exactly what the migration must produce.
import type { EncryptedDatabase } from './open-encrypted';

export type SchemaSnapshot = {
  readonly userVersion: number;
  /** Table name → one line per column, then one per foreign key. */
  readonly tables: Readonly<Record<string, readonly string[]>>;
  /** Index name → "table(columns)" with UNIQUE / PARTIAL marks. */
  readonly indexes: Readonly<Record<string, string>>;
  /** Trigger name → the table it watches. */
  readonly triggers: Readonly<Record<string, string>>;
};

type ColumnInfo = { name: string; type: string; notnull: number; pk: number; hidden: number };
type ForeignKeyInfo = { table: string; from: string; to: string; on_delete: string };
type IndexInfo = { name: string; unique: number; partial: number };
type IndexColumnInfo = { name: string | null; desc: number; coll: string; key: number; cid: number };

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function describeSchema(db: EncryptedDatabase): SchemaSnapshot {
  const objects = db
    .prepare(`SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
    .all() as { type: string; name: string; tbl_name: string }[];
  const tables: Record<string, string[]> = {};
  const indexes: Record<string, string> = {};
  const triggers: Record<string, string> = {};

  // FTS5 owns its shadow tables and may reshape them in any SQLite release: they are left out.
  const shadow = new Set((db.pragma('table_list') as { name: string; type: string }[]).filter((t) => t.type === 'shadow').map((t) => t.name));

  for (const { type, name, tbl_name: table } of objects) {
    if (type === 'trigger') triggers[name] = table;
    if (type !== 'table' || shadow.has(name)) continue;
    const columns = (db.pragma(`table_xinfo(${quote(name)})`) as ColumnInfo[]).map((c) =>
      [c.name, c.type, c.notnull ? 'NOT NULL' : '', c.pk ? 'PK' : '', c.hidden === 2 ? 'VIRTUAL' : c.hidden === 3 ? 'STORED' : '']
        .filter(Boolean)
        .join(' '),
    );
    const foreignKeys = (db.pragma(`foreign_key_list(${quote(name)})`) as ForeignKeyInfo[]).map(
      (fk) => `FK ${fk.from} -> ${fk.table}(${fk.to}) ON DELETE ${fk.on_delete}`,
    );
    tables[name] = [...columns, ...foreignKeys];
    for (const index of db.pragma(`index_list(${quote(name)})`) as IndexInfo[]) {
      const keyColumns = (db.pragma(`index_xinfo(${quote(index.name)})`) as IndexColumnInfo[])
        .filter((c) => c.key === 1)
        .map((c) => `${c.name ?? '<expr>'}${c.coll !== 'BINARY' ? ` COLLATE ${c.coll}` : ''}${c.desc ? ' DESC' : ''}`);
      indexes[index.name] = `${name}(${keyColumns.join(', ')})${index.unique ? ' UNIQUE' : ''}${index.partial ? ' PARTIAL' : ''}`;
    }
  }
  return { userVersion: db.pragma('user_version', { simple: true }) as number, tables, indexes, triggers };
}
