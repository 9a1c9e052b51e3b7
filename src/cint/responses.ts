// The shape of the generated response table (responses.generated.ts): per operation and status, what
// Cint's document says an answer looks like.
export interface DocumentedHeader { name: string; required: boolean }

export interface DocumentedResponse {
  /** The component the document names for this answer's body, when it names one. */
  schemaName?: string;
  headers: DocumentedHeader[];
  /** JSON Schema of the body; `$ref`s point into the "cint" schema of `responseDefinitions`. */
  schema?: object;
  /** For successes: the document's example, repaired to fit the schema, or one made from the schema. */
  example?: unknown;
}

export interface DocumentedOperation {
  /** The document's request example, as it is. */
  requestExample?: unknown;
  /** Where that example is missing or breaks the request schema: one that fits it. */
  validRequestExample?: unknown;
  responses: Record<string, DocumentedResponse>;
}

export type ResponseTable = Record<string, DocumentedOperation>;
