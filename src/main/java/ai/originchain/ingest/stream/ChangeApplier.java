package ai.originchain.ingest.stream;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.CopyTextRow;
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.store.SchemaChange;
import ai.originchain.ingest.store.TargetPlan;
import ai.originchain.ingest.store.TargetPlanner;
import ai.originchain.ingest.stream.PgOutput.Message;
import ai.originchain.ingest.stream.TransactionBuffer.Pending;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SchemaDeclaration;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The apply step: each source transaction becomes one target transaction, committed together with
 * the stream's new position (the commit's end LSN) in {@code originchain.stream_positions}, so a
 * transaction is either applied and recorded, or neither. Transactions that end at or before the
 * stored position were applied already and are skipped. Changes are reduced to each key's final
 * state and written per table with one COPY into a staging table and one merge.
 */
@Component("changeApplier")
public class ChangeApplier {

    private static final Logger log = LoggerFactory.getLogger(ChangeApplier.class);
    public static final String SESSION = "streamSession";

    private final StreamTargetPool target;
    private final TargetPlanner planner;
    private final SourceCatalog catalog;
    private final SourceConnector connector;
    private final int batchChanges;

    public ChangeApplier(StreamTargetPool target, TargetPlanner planner, SourceCatalog catalog, SourceConnector connector,
                         ai.originchain.ingest.IngestProperties properties) {
        this.target = target;
        this.planner = planner;
        this.catalog = catalog;
        this.connector = connector;
        this.batchChanges = Math.max(1, properties.getStreams().getBatchChanges());
    }

    /** The decode step: raw pgoutput messages into messages. */
    public List<Message> decode(@Body List<byte[]> raw) {
        List<Message> messages = new ArrayList<>(raw.size());
        for (byte[] data : raw) {
            messages.add(PgOutput.decode(data));
        }
        return messages;
    }

    public void apply(@ExchangeProperty(SESSION) StreamSession session, @Body List<Message> messages) throws SQLException {
        try {
            // Source transactions complete in this delivery share one target commit, at the last of them.
            int lastCommit = -1;
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i) instanceof PgOutput.Commit) {
                    lastCommit = i;
                }
            }
            for (int i = 0; i < messages.size(); i++) {
                session.deferCommit = i < lastCommit;
                apply(session, messages.get(i));
            }
            session.deferCommit = false;
            if (!session.inTransaction) {
                // Between source transactions a stream holds no target connection (it may wait long for the next).
                session.releaseTarget();
            }
        } catch (SQLException | RuntimeException e) {
            rollback(session);
            throw e;
        }
    }

    private void apply(StreamSession session, Message message) throws SQLException {
        if (message instanceof PgOutput.Begin begin) {
            session.inTransaction = true;
            session.wroteInTransaction = false;
            session.skipping = begin.finalLsn() < session.written;
            session.buffer.clear();
        } else if (message instanceof PgOutput.Relation relation) {
            relation(session, relation);
        } else if (message instanceof PgOutput.Insert insert) {
            AppliedRelation relation = mapped(session, insert.relationId());
            if (relation != null) {
                session.buffer.upsert(relation, insert.row());
            }
        } else if (message instanceof PgOutput.Update update) {
            AppliedRelation relation = mapped(session, update.relationId());
            if (relation != null) {
                if (update.oldKey() != null) {
                    byte[][] oldKey = relation.key(update.oldKey());
                    if (!TransactionBuffer.keyId(oldKey).equals(TransactionBuffer.keyId(relation.key(update.row())))) {
                        session.buffer.delete(relation, oldKey);
                    }
                }
                session.buffer.upsert(relation, update.row());
            }
        } else if (message instanceof PgOutput.Delete delete) {
            AppliedRelation relation = mapped(session, delete.relationId());
            if (relation != null) {
                session.buffer.delete(relation, relation.key(delete.oldKey()));
            }
        } else if (message instanceof PgOutput.Truncate truncate) {
            if (!session.skipping) {
                flush(session);
                for (int id : truncate.relationIds()) {
                    AppliedRelation relation = session.relations.get(id);
                    if (relation != null) {
                        try (Statement st = targetConnection(session).createStatement()) {
                            st.execute("TRUNCATE " + relation.table());
                        }
                        session.wroteInTransaction = true;
                    }
                }
            }
        } else if (message instanceof PgOutput.Commit commit) {
            commit(session, commit);
        }
        if (session.buffer.size() >= batchChanges) {
            flush(session);
        }
    }

    private AppliedRelation mapped(StreamSession session, int relationId) {
        if (session.skipping) {
            return null;
        }
        return session.relations.get(relationId);
    }

    private void commit(StreamSession session, PgOutput.Commit commit) throws SQLException {
        session.inTransaction = false;
        if (session.skipping || commit.endLsn() <= session.written) {
            session.buffer.clear();
            return;
        }
        flush(session);
        Connection c = targetConnection(session);
        try (PreparedStatement st = c.prepareStatement("""
                UPDATE originchain.stream_positions SET lsn = ?, applied_at = now() WHERE stream_id = ? AND lsn = ?
                """)) {
            st.setLong(1, commit.endLsn());
            st.setObject(2, session.stored.id());
            st.setLong(3, session.written);
            if (st.executeUpdate() != 1) {
                c.rollback();
                session.written = session.position;
                throw new IllegalStateException("the position of stream " + session.name()
                        + " moved under this runner: another instance runs it now");
            }
        }
        session.written = commit.endLsn();
        if (session.deferCommit) {
            return;
        }
        c.commit();
        session.position = commit.endLsn();
        session.lastCommitMillis = System.currentTimeMillis();
    }

    private static void rollback(StreamSession session) {
        session.buffer.clear();
        session.written = session.position;
        session.deferCommit = false;
        session.inTransaction = false;
        if (session.target != null) {
            try {
                session.target.rollback();
            } catch (SQLException ignored) {
                // The connection is closed with the session.
            }
        }
    }

    Connection targetConnection(StreamSession session) throws SQLException {
        if (session.target == null) {
            Connection c = target.connection();
            c.setAutoCommit(false);
            session.target = c;
            session.stagingTables.clear();
        }
        return session.target;
    }

    /** A Relation message: the first change of a table after the session starts or after DDL at the source. */
    private void relation(StreamSession session, PgOutput.Relation relation) throws SQLException {
        MappingSpec mapping = session.definition.manifest().mappings().stream()
                .filter(m -> m.sourceSchema().equals(relation.namespace()) && m.sourceTable().equals(relation.name()))
                .findFirst().orElse(null);
        if (mapping == null) {
            session.ignoredRelations.add(relation.id());
            return;
        }
        AppliedRelation known = session.relations.get(relation.id());
        if (known != null && known.relation().columns().equals(relation.columns())) {
            return;
        }
        // Rows read under the old shape go in first.
        flush(session);
        List<SourceColumn> columns = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<String> names = relation.columns().stream().map(PgOutput.Column::name).toList();
        List<String> wanted = mapping.columns() == null ? names : mapping.columns();
        for (String name : wanted) {
            int at = names.indexOf(name);
            if (at < 0) {
                throw SyncFailure.mismatch(mapping.field(mapping.columns() == null ? "primary_key" : "columns"),
                        "column '" + name + "' of " + mapping.sourceTableName() + " is gone at the source; the stream "
                                + "cannot follow (put the column back, or DELETE the stream and PUT it without it)");
            }
            PgOutput.Column column = relation.columns().get(at);
            columns.add(new SourceColumn(name, sourceType(session, column)));
            positions.add(at);
        }
        for (String key : mapping.primaryKey()) {
            if (!names.contains(key)) {
                throw SyncFailure.mismatch(mapping.field("primary_key"), "key column '" + key + "' of "
                        + mapping.sourceTableName() + " is gone at the source; the stream cannot follow");
            }
        }
        TargetPlan plan = plan(session, mapping, new SourceTable(mapping.sourceSchema(), mapping.sourceTable(), columns, true, -1));
        if (!plan.changes().isEmpty()) {
            try (Statement st = targetConnection(session).createStatement()) {
                for (SchemaChange change : plan.changes()) {
                    st.execute(change.ddl(plan));
                    log.info("stream {}/{}: {} of {}.{} (source {})", session.tenant(), session.name(), change.describe(),
                            plan.tenant(), plan.table(), mapping.sourceTableName());
                }
            }
            session.wroteInTransaction = true;
        }
        int[] planColumns = new int[plan.columns().size()];
        for (int i = 0; i < planColumns.length; i++) {
            planColumns[i] = positions.get(wanted.indexOf(plan.columns().get(i).name()));
        }
        int[] keys = mapping.primaryKey().stream().mapToInt(names::indexOf).toArray();
        session.relations.put(relation.id(), new AppliedRelation(relation, mapping, plan, planColumns, keys));
    }

    /** The full sync's evolution rules: new columns and widenings planned, anything else a 422 that fails the stream. */
    private TargetPlan plan(StreamSession session, MappingSpec mapping, SourceTable table) {
        SyncManifest manifest = session.definition.manifest();
        List<SchemaDeclaration> declarations = manifest.declarationFor(mapping.targetSchema()).map(List::of).orElse(List.of());
        SyncRun run = new SyncRun(session.tenant(), new SyncManifest(manifest.source(), List.of(mapping), declarations));
        MappingJob job = run.jobs().get(0);
        job.sourceTable(table);
        planner.plan(run);
        return job.targetPlan();
    }

    private ai.originchain.ingest.typemap.SourceType sourceType(StreamSession session, PgOutput.Column column) {
        try {
            if (session.sourceCatalog == null || session.sourceCatalog.isClosed()) {
                session.sourceCatalog = connector.openForStream(session.source(), session.name());
            }
            try {
                return catalog.type(session.sourceCatalog, column.typeOid(), column.typmod());
            } finally {
                session.sourceCatalog.rollback();
            }
        } catch (SQLException e) {
            throw SyncFailure.sourceFailed("reading the type of column " + column.name() + " at the source failed: "
                    + SourceErrors.reason(session.source(), e));
        }
    }

    /** Writes the buffered changes into the open target transaction. */
    void flush(StreamSession session) throws SQLException {
        if (session.buffer.size() == 0) {
            return;
        }
        Connection c = targetConnection(session);
        for (Map.Entry<Integer, LinkedHashMap<String, Pending>> entry : session.buffer.byRelation.entrySet()) {
            AppliedRelation relation = session.relations.get(entry.getKey());
            List<Pending> deletes = new ArrayList<>();
            Map<BitSet, List<Pending>> upserts = new LinkedHashMap<>();
            for (Pending pending : entry.getValue().values()) {
                if (pending.deleted()) {
                    deletes.add(pending);
                } else {
                    BitSet unchanged = new BitSet();
                    for (int i = 0; i < relation.columns().length; i++) {
                        if (pending.values()[relation.columns()[i]] == PgOutput.UNCHANGED) {
                            unchanged.set(i);
                        }
                    }
                    upserts.computeIfAbsent(unchanged, k -> new ArrayList<>()).add(pending);
                }
            }
            if (!deletes.isEmpty()) {
                delete(session, c, relation, deletes);
            }
            for (Map.Entry<BitSet, List<Pending>> group : upserts.entrySet()) {
                upsert(session, c, relation, group.getKey(), group.getValue());
            }
        }
        session.buffer.clear();
        session.wroteInTransaction = true;
    }

    /** Below this many rows a group goes as one batch of bound statements: fewer round trips than COPY and a merge. */
    static final int SMALL_GROUP = 32;

    private static void delete(StreamSession session, Connection c, AppliedRelation relation, List<Pending> deletes)
            throws SQLException {
        if (deletes.size() <= SMALL_GROUP) {
            String match = relation.plan().primaryKey().stream().map(k -> SqlNames.quote(k) + " = ?")
                    .reduce((a, b) -> a + " AND " + b).orElseThrow();
            try (PreparedStatement st = c.prepareStatement("DELETE FROM " + relation.table() + " WHERE " + match)) {
                for (Pending pending : deletes) {
                    bind(st, pending.key());
                    st.addBatch();
                }
                st.executeBatch();
            }
            return;
        }
        String staging = SqlNames.quote("oc_sdel_" + relation.signature());
        List<TargetColumn> keyColumns = relation.plan().columns().stream()
                .filter(col -> relation.plan().primaryKey().contains(col.name())).toList();
        try (Statement st = c.createStatement()) {
            if (session.stagingTables.add(staging)) {
                st.execute("CREATE TEMP TABLE IF NOT EXISTS " + staging + " ON COMMIT DELETE ROWS AS SELECT "
                        + relation.keyList(null) + " FROM " + relation.table() + " WITH NO DATA");
            }
            ByteArrayOutputStream rows = new ByteArrayOutputStream();
            CopyTextRow row = new CopyTextRow();
            for (Pending pending : deletes) {
                writeRow(rows, row, pending.key());
            }
            copy(c, "COPY pg_temp." + staging + " (" + relation.keyList(null) + ") FROM STDIN", rows);
            String match = relation.plan().primaryKey().stream()
                    .map(k -> "t." + SqlNames.quote(k) + " = s." + SqlNames.quote(k)).reduce((a, b) -> a + " AND " + b).orElseThrow();
            st.executeUpdate("DELETE FROM " + relation.table() + " t USING pg_temp." + staging + " s WHERE " + match);
            st.execute("TRUNCATE pg_temp." + staging);
        }
        if (keyColumns.isEmpty()) {
            throw new IllegalStateException("no key columns");
        }
    }

    private static void upsert(StreamSession session, Connection c, AppliedRelation relation, BitSet unchanged,
                               List<Pending> rows) throws SQLException {
        String staging = SqlNames.quote("oc_sup_" + relation.signature());
        List<TargetColumn> present = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < relation.columns().length; i++) {
            if (!unchanged.get(i)) {
                present.add(relation.plan().columns().get(i));
                positions.add(relation.columns()[i]);
            }
        }
        String names = relation.columnList(present);
        List<TargetColumn> values = present.stream().filter(col -> !relation.plan().primaryKey().contains(col.name())).toList();
        String conflict = values.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + values.stream()
                .map(col -> SqlNames.quote(col.name()) + " = EXCLUDED." + SqlNames.quote(col.name()))
                .reduce((a, b) -> a + ", " + b).orElseThrow();
        if (rows.size() <= SMALL_GROUP) {
            String marks = String.join(", ", java.util.Collections.nCopies(present.size(), "?"));
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + relation.table() + " (" + names + ") VALUES ("
                    + marks + ") ON CONFLICT (" + relation.keyList(null) + ") " + conflict)) {
                byte[][] line = new byte[positions.size()][];
                for (Pending pending : rows) {
                    for (int i = 0; i < line.length; i++) {
                        line[i] = pending.values()[positions.get(i)];
                    }
                    bind(st, line);
                    st.addBatch();
                }
                st.executeBatch();
            }
            return;
        }
        try (Statement st = c.createStatement()) {
            if (session.stagingTables.add(staging)) {
                st.execute("CREATE TEMP TABLE IF NOT EXISTS " + staging + " (LIKE " + relation.table() + ") ON COMMIT DELETE ROWS");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[][] line = new byte[positions.size()][];
            CopyTextRow row = new CopyTextRow();
            for (Pending pending : rows) {
                for (int i = 0; i < line.length; i++) {
                    line[i] = pending.values()[positions.get(i)];
                }
                writeRow(out, row, line);
            }
            copy(c, "COPY pg_temp." + staging + " (" + names + ") FROM STDIN", out);
            st.executeUpdate("INSERT INTO " + relation.table() + " (" + names + ") SELECT " + names + " FROM pg_temp."
                    + staging + " ON CONFLICT (" + relation.keyList(null) + ") " + conflict);
            st.execute("TRUNCATE pg_temp." + staging);
        }
    }

    /** Values as text of no declared type: the server reads each with its column's input function, as COPY does. */
    private static void bind(PreparedStatement st, byte[][] values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                st.setNull(i + 1, java.sql.Types.OTHER);
            } else {
                st.setObject(i + 1, new String(values[i], java.nio.charset.StandardCharsets.UTF_8), java.sql.Types.OTHER);
            }
        }
    }

    private static void copy(Connection c, String sql, ByteArrayOutputStream rows) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            byte[] data = rows.toByteArray();
            copy.writeToCopy(data, 0, data.length);
            copy.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            throw e;
        }
    }

    /** One COPY text line of the values' UTF-8 text ({@link CopyTextRow}), reusing {@code row}. */
    static void writeRow(ByteArrayOutputStream out, CopyTextRow row, byte[][] values) {
        row.start();
        for (byte[] value : values) {
            row.textBytes(value);
        }
        out.writeBytes(row.finish());
    }
}
