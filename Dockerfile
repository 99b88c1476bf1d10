# One image for the four services; docker-compose.yml picks the service by command.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY schemas/pom.xml schemas/
COPY common/pom.xml common/
COPY orchestrator/pom.xml orchestrator/
COPY hook-caller/pom.xml hook-caller/
COPY payment-worker/pom.xml payment-worker/
COPY webhook-dispatcher/pom.xml webhook-dispatcher/
COPY launcher/pom.xml launcher/
# Dependencies in their own layer, so a source change does not download them again.
RUN ./mvnw -B -q dependency:go-offline -DexcludeGroupIds=io.tollgate || true
COPY . .
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 tollgate
WORKDIR /app
COPY --from=build /src/launcher/target/launcher-0.1.0-SNAPSHOT.jar /app/tollgate.jar
COPY --from=build /src/launcher/target/lib /app/lib
USER tollgate
ENV TOLLGATE_LOG_FORMAT=json
# 8080 is the API (orchestrator only); /health and /metrics are on TOLLGATE_MANAGEMENT_PORT (9090), on the
# container's loopback unless TOLLGATE_MANAGEMENT_BIND_ADDRESS says otherwise, so they are not exposed here
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/${TOLLGATE_MANAGEMENT_PORT:-9090} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"up\"' <&3"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/app/tollgate.jar:/app/lib/*", "io.tollgate.launcher.TollgateCli"]
CMD ["--help"]
