/**
 * Documents stored as positional arrays: a shape lists a kind's fields in the order they are stored, so the text
 * holds values without their keys (CircleCI's keys were most of a document's bytes). Only the fields a shape lists
 * are kept: the shape is the projection.
 *
 * A shape only grows at its end: a field appended reads as absent from texts stored before it. Moving or removing a
 * field would make those texts read wrong, so it needs a new kind tag, with the old tag's shape kept to read what is
 * stored under it.
 *
 * Null and absent are one: both are stored as `null` (trailing ones left out) and read back as absent. Every reader
 * treats a nullish wire field as "none" (`?? null`, `== null`), so nothing it answers depends on which it was.
 */

/** A field: a value kept as it is, an object with fields of its own, or a list of such objects. */
export type Field = string | readonly [name: string, shape: Shape] | readonly [name: string, shape: Shape, "list"];
export type Shape = readonly Field[];

type Packed = unknown[];
type Unpacked = Record<string, unknown>;

function parts(field: Field): { name: string; shape?: Shape; list: boolean } {
  return typeof field === "string" ? { name: field, list: false } : { name: field[0], shape: field[1], list: field[2] === "list" };
}

/** `document`'s fields in the shape's order, without the nulls that end it. */
export function pack(shape: Shape, document: Unpacked): Packed {
  const packed = shape.map((field): unknown => {
    const { name, shape: inner, list } = parts(field);
    const value = document[name];
    if (value == null) return null;
    if (inner === undefined) return value;
    return list ? (value as Unpacked[]).map((item) => pack(inner, item)) : pack(inner, value as Unpacked);
  });
  while (packed.length > 0 && packed[packed.length - 1] === null) packed.pop();
  return packed;
}

/** The document `pack` stored: every field the shape lists that held a value. */
export function unpack(shape: Shape, packed: Packed): Unpacked {
  const document: Unpacked = {};
  shape.forEach((field, index) => {
    const value = packed[index];
    if (value == null) return;
    const { name, shape: inner, list } = parts(field);
    if (inner === undefined) document[name] = value;
    else document[name] = list ? (value as Packed[]).map((item) => unpack(inner, item)) : unpack(inner, value as Packed);
  });
  return document;
}
