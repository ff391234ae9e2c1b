/**
 * The shape every port of the store has: its reads and its writes apart. The stores route by it —
 * reads to a reader (a replica, a pool), writes outside a transaction each into one of their own —
 * so a method is a read or a write where it is defined, and nowhere else.
 */

/** An asynchronous method, of any arguments. */
export type Method = (...args: never[]) => Promise<unknown>;

/** An object whose every member is an asynchronous method (a port's reads, or its writes). */
export type Methods<T> = { readonly [K in keyof T]: Method };

export interface Port<Reads extends Methods<Reads>, Writes extends Methods<Writes>> {
  readonly reads: Reads;
  readonly writes: Writes;
}

/** True when A and B are the same type (each assignable to the other). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Fails to compile unless T is true: `type _Check = Holds<Same<X, Y>>`. */
export type Holds<T extends true> = T;
