# syntax=docker/dockerfile:1
# One image for every beit-stream service; the subcommand is the container's command, e.g.
#   docker run --rm beit-stream:local trainer --run-id run-1
# Build argument MAVEN_PROFILES=cuda swaps in the CUDA 12.1 PyTorch natives (the root pom's cuda profile).

FROM maven:3.9-eclipse-temurin-17 AS build
ARG MAVEN_PROFILES=
WORKDIR /src
COPY . .
# The local Maven repository is a BuildKit cache: a rebuild after a source change downloads nothing again.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -DskipTests ${MAVEN_PROFILES:+-P$MAVEN_PROFILES} -pl app -am package

FROM eclipse-temurin:17-jre
# curl is what the compose health checks call (GET /health on the ops port).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /var/lib/beit-stream --uid 10001 beit-stream
WORKDIR /opt/beit-stream
# The jar's manifest names its dependencies under lib/, so both are copied side by side.
COPY --from=build /src/app/target/lib/ lib/
COPY --from=build /src/app/target/beit-stream.jar beit-stream.jar
USER beit-stream
# The PyTorch natives are unpacked from their jar into the DJL cache at first start; nothing is downloaded.
ENV DJL_CACHE_DIR=/var/lib/beit-stream/djl
EXPOSE 9400
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Dai.djl.offline=true", "-jar", "/opt/beit-stream/beit-stream.jar"]
CMD ["--help"]
