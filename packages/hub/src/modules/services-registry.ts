import { readServices, type ServiceRow, writeServices } from "@parachute/module-kit";

/**
 * The hub's view of services.json. Every change re-reads the file first and merges into it, so a row
 * a module wrote for itself in the meantime is never lost; reads come from the last known copy.
 */
export class ServicesRegistry {
  private cache: ServiceRow[];

  constructor(readonly path: string) {
    this.cache = readServices(path).services;
  }

  rows(): ServiceRow[] {
    return this.cache;
  }

  byShort(short: string): ServiceRow | undefined {
    return this.cache.find((r) => r.name === short);
  }

  /** Inserts or replaces the row with the same `manifestName`. */
  put(row: ServiceRow): void {
    this.mutate((rows) => {
      const i = rows.findIndex((r) => r.manifestName === row.manifestName);
      if (i >= 0) rows[i] = row;
      else rows.push(row);
      return rows;
    });
  }

  remove(short: string): void {
    this.mutate((rows) => rows.filter((r) => r.name !== short));
  }

  setEnabled(short: string, enabled: boolean): void {
    this.mutate((rows) => {
      for (const r of rows) if (r.name === short) r.enabled = enabled;
      return rows;
    });
  }

  /** Re-reads the file, applies `change` and writes the rows it returns. */
  private mutate(change: (rows: ServiceRow[]) => ServiceRow[]): void {
    const next = change(readServices(this.path).services);
    writeServices(this.path, { services: next });
    this.cache = next;
  }
}
