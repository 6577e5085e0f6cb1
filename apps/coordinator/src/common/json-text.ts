/**
 * A JSON document already serialised, for a handler whose answer is mostly made of parts it
 * keeps serialised (a cached board page): JsonReplyExpressAdapter writes `text` as it is, with
 * the same headers as any JSON answer. Only well-formed JSON belongs here; the route's
 * contract (ApiContract) still names the schema the text follows.
 */
export class JsonText {
  constructor(readonly text: string) {}
}
