/**
 * A counter and a histogram whose recording is plain arithmetic on pre-resolved children: prom-client's
 * own children validate and hash their labels on every inc() and observe(), which the hot path of
 * every request should not pay. prom-client's Registry formats these on a scrape like its own metrics
 * (it asks any registered object with a name for get()).
 */
import type { Registry } from 'prom-client';

/** Nested maps of label values down to a pre-resolved child: lookups allocate nothing once seen. */
export class ChildTree<C> {
  private readonly root = new Map<string, unknown>();
  readonly all: C[] = [];
  constructor(private readonly make: (values: string[]) => C) {}

  get(values: readonly string[]): C {
    let node = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      let next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (!next) node.set(values[i]!, (next = new Map()));
      node = next;
    }
    const last = values[values.length - 1]!;
    let child = node.get(last) as C | undefined;
    if (child === undefined) {
      node.set(last, (child = this.make([...values])));
      this.all.push(child);
    }
    return child;
  }
}

type Labels = Record<string, string>;
interface Value {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

const labelsOf = (names: readonly string[], values: readonly string[]): Labels => Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));

export class CounterChild {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children: ChildTree<CounterChild>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    registry: Registry,
  ) {
    this.children = new ChildTree((values) => new CounterChild(labelsOf(labelNames, values)));
    registry.registerMetric(this as never);
  }

  child(values: readonly string[]): CounterChild {
    return this.children.get(values);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.children.all.map((c) => ({ labels: c.labels, value: c.value })) };
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative), the last one past every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children: ChildTree<HistogramChild>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.children = new ChildTree((values) => new HistogramChild(labelsOf(labelNames, values), bounds));
    registry.registerMetric(this as never);
  }

  child(values: readonly string[]): HistogramChild {
    return this.children.get(values);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    const values: Value[] = [];
    for (const c of this.children.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += c.counts[i]!;
        values.push({ labels: { ...c.labels, le: String(bound) }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
