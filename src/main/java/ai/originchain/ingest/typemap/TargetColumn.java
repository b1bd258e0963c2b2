package ai.originchain.ingest.typemap;

/**
 * A column of the target table.
 *
 * @param compareAsText whether "did this value change" must compare the text forms, because the
 *                      type's equality is missing or coarser than identity (numeric 1.0 = 1.00, json)
 */
public record TargetColumn(String name, String type, boolean compareAsText) {
}
