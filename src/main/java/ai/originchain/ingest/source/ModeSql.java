package ai.originchain.ingest.source;

import java.sql.SQLException;
import java.util.List;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.sync.MappingJob;

/**
 * One engine's rendering of a mapping's filter and incremental cursor, inside the sync's consistent
 * read: columns checked against the engine's catalog and quoted its way, values bound as parameters
 * and checked by the source server as the column's type.
 */
public interface ModeSql {

    /**
     * Checks the mapping's filter and cursor against the catalog, adding an error naming the JSON
     * path of each leaf at fault; when they pass, renders them into {@code job.modes()}: the source
     * filter with its parameters, its values as PostgreSQL literals for the target's scope, the
     * cursor's type.
     */
    void check(MappingJob job, List<FieldError> errors) throws SQLException;

    /**
     * The incremental read from {@code mark} (null: a full read): its condition and parameters, the
     * new high-water mark taken in the read's snapshot (never below {@code mark}), and whether rows
     * with a NULL cursor exist (asked on a full read only).
     */
    CursorRead cursorRead(MappingJob job, String mark) throws SQLException;

    record CursorRead(String condition, List<String> parameters, String to, boolean nullCursors) {
    }
}
