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
  requestExample?: unknown;
  responses: Record<string, DocumentedResponse>;
}

export type ResponseTable = Record<string, DocumentedOperation>;
