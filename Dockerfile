# MWS image: build the jar with Maven, run it on a JRE as a non-root user with a read-only root
# filesystem (only /tmp is written; mount an emptyDir there, as k8s/base does). The store of record
# is PostgreSQL (MWS_STORE_URL) in a cluster; a standalone container keeps its embedded store in
# /var/lib/mws: mount a volume there (docker run -v mws-data:/var/lib/mws ...) so it outlives the container.
#   docker build -t mws:0.1.0 .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY conf conf
COPY modules modules
RUN mvn -B -q -pl modules/server -am package -DskipTests

FROM eclipse-temurin:17-jre
RUN groupadd --gid 10001 mws && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin mws \
 && mkdir -p /var/lib/mws && chown 10001:10001 /var/lib/mws
COPY --from=build /src/modules/server/target/mws.jar /opt/mws/mws.jar
USER 10001:10001
EXPOSE 8080 5701 5711
ENV MWS_LOG_FORMAT=json MWS_DATA_DIR=/var/lib/mws
VOLUME /var/lib/mws
# Hazelcast never phones home, whatever JAVA_TOOL_OPTIONS a deployment sets.
ENTRYPOINT ["java", "-Dhazelcast.phone.home.enabled=false", "-jar", "/opt/mws/mws.jar"]
