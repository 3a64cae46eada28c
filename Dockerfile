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
# The JVM options of every launch (heap from the container limit, exit on OutOfMemoryError): conf/jvm.options.
COPY conf/jvm.options /opt/mws/jvm.options
ENV MWS_LOG_FORMAT=json MWS_DATA_DIR=/var/lib/mws
# The class-data sharing archive every start maps its classes from (about a third less CPU to become ready:
# BENCHMARKS.md, "Node ready: the contract and class data sharing"): made here, by one training start of
# this jar with this JRE (node ready, a few requests, SIGTERM), so it matches both. Only the archive is
# kept (read-only, like the jar); a start without a usable archive still starts, without it.
COPY scripts/cds-archive.sh /opt/mws/cds-archive.sh
RUN /opt/mws/cds-archive.sh /opt/mws/mws.jar /opt/mws/mws.jsa /opt/mws/jvm.options && rm /opt/mws/cds-archive.sh \
 && chmod 444 /opt/mws/mws.jsa
USER 10001:10001
EXPOSE 8080 5701 5711
VOLUME /var/lib/mws
# Hazelcast never phones home, whatever JAVA_TOOL_OPTIONS a deployment sets (jvm.options says so too,
# and the command line comes after JAVA_TOOL_OPTIONS, so it wins).
ENTRYPOINT ["java", "@/opt/mws/jvm.options", "-XX:SharedArchiveFile=/opt/mws/mws.jsa", "-Dhazelcast.phone.home.enabled=false", "-jar", "/opt/mws/mws.jar"]
