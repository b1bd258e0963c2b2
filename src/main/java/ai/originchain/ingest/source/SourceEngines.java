package ai.originchain.ingest.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

/** The registry of source engines, by name; a run without an engine is a PostgreSQL one. */
@Component("sourceEngines")
public class SourceEngines {

    public static final String DEFAULT = "postgres";

    private final Map<String, SourceEngine> byName = new LinkedHashMap<>();

    public SourceEngines(List<SourceEngine> engines) {
        for (SourceEngine engine : engines) {
            byName.put(engine.name(), engine);
        }
    }

    public SourceEngine get(String name) {
        SourceEngine engine = byName.get(name == null ? DEFAULT : name);
        if (engine == null) {
            throw new IllegalArgumentException("no source engine '" + name + "'");
        }
        return engine;
    }
}
