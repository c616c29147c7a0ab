// Compile-time proof that a zod schema and the interface it describes say the same thing, so a
// schema written beside a hand-written type (and the JSON Schema generated from it) cannot drift.

/** True when A and B are the same type, optional and readonly modifiers included. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless T is `true`: `export type Checked = Assert<Equals<X, Y>>`. */
export type Assert<T extends true> = T;
