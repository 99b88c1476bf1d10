package io.tollgate.schemas.serde;

import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Lets Avro load our generated contract classes. Since 1.12, Avro refuses to load any class by
 * name that is not on its trust list ({@code SecurityException: Forbidden io.tollgate.schema...}),
 * and that lookup sits on the path of every specific read and of the generated copy builders
 * ({@code SessionState.newBuilder(state)} deep-copies enums by class name). Avro keeps the list
 * JVM-wide, so this adds exactly the contract package to it, once; {@link AvroSerde} does it when
 * built, and a process that copies records before it builds a serde should call it at start.
 */
public final class AvroClassTrust {
    public static final String CONTRACT_PACKAGE = "io.tollgate.schema";

    private AvroClassTrust() {
    }

    public static void trustContracts() {
        synchronized (ClassSecurityValidator.class) {
            ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
            if (!(current instanceof ContractPackage)) {
                ClassSecurityValidator.setGlobal(new ContractPackage(current));
            }
        }
    }

    private record ContractPackage(ClassSecurityPredicate others) implements ClassSecurityPredicate {
        @Override
        public boolean isTrusted(Class<?> type) {
            return type.getPackageName().equals(CONTRACT_PACKAGE) || others.isTrusted(type);
        }
    }
}
