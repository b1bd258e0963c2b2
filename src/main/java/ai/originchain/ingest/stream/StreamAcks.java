package ai.originchain.ingest.stream;

import java.sql.SQLException;

import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

/** The acknowledge step: the source may free WAL up to what the target has committed, never further. */
@Component("streamAcks")
public class StreamAcks {

    public void acknowledge(@ExchangeProperty(ChangeApplier.SESSION) StreamSession session) throws SQLException {
        session.acknowledge();
    }
}
