package ai.originchain.ingest.store;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** True when the operator has not named a target store, so the embedded one (and the demo) start. */
public class NoTargetUrlConfigured implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return in(context.getEnvironment());
    }

    static boolean in(org.springframework.core.env.Environment environment) {
        String url = environment.getProperty("spring.datasource.url");
        return url == null || url.isBlank();
    }
}
