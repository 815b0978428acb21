// Bytes of REST request bodies being read or handled right now, per tenant and in total. Each body
// is held in memory until its request is answered, so without a budget many concurrent uploads at
// the body limit grow the gateway without end. A request reserves its declared size (or the body
// limit when it declares none) before its body is read; past a budget it is refused at once.

export interface InflightLimits {
  /** All tenants together. */
  totalBytes: number;
  /** One tenant: it cannot take the whole budget from the others. */
  tenantBytes: number;
}

export class InflightBudget {
  readonly #limits: InflightLimits;
  readonly #byTenant = new Map<string, number>();
  #total = 0;

  constructor(limits: InflightLimits) {
    this.#limits = limits;
  }

  /** Reserves `bytes` for `tenant`; false (nothing reserved) when a budget would be passed. */
  tryReserve(tenant: string, bytes: number): boolean {
    const mine = this.#byTenant.get(tenant) ?? 0;
    if (this.#total + bytes > this.#limits.totalBytes || mine + bytes > this.#limits.tenantBytes) return false;
    this.#total += bytes;
    this.#byTenant.set(tenant, mine + bytes);
    return true;
  }

  release(tenant: string, bytes: number): void {
    this.#total -= bytes;
    const left = (this.#byTenant.get(tenant) ?? 0) - bytes;
    if (left > 0) this.#byTenant.set(tenant, left);
    else this.#byTenant.delete(tenant); // the map holds only tenants with a request in flight
  }

  get total(): number {
    return this.#total;
  }
}
