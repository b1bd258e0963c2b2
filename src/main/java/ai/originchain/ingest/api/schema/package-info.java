/**
 * The JSON shapes of the HTTP API (docs/api.md), as the OpenAPI document at {@code /v1/openapi.json}
 * describes them. The REST DSL names them ({@code type}, {@code responseModel} in {@code routes/*.yaml})
 * and camel-openapi-java turns them into the document's schemas; the service itself builds its
 * bodies elsewhere, and {@code OpenApiConformanceTest} checks real responses against these schemas.
 */
package ai.originchain.ingest.api.schema;
