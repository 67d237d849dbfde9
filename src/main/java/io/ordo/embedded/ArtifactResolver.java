package io.ordo.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession.CloseableSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.resolution.DependencyResult;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * Resolves a Maven coordinate plus its runtime dependencies into a local repository and returns the
  * jars in Maven 3 classpath order.
  *
  * <p>Used to build the classpath of a child JVM (e.g. Cassandra) from its <em>own</em> dependency
  * graph, so its libraries never mix with the application's.
  *
  * <p><strong>Blocking:</strong> {@link #resolve(String)} does file and network I/O (seconds when
  * warm, longer on first download). Never call it on a Vert.x event loop; use {@code
  * executeBlocking} or a worker.
  *
  * <p>Only the configured remote repositories are used: {@code settings.xml} mirrors, proxies and
  * credentials are not read.
  */
public final class ArtifactResolver {

    public static final String MAVEN_CENTRAL_URL = "https://repo.maven.apache.org/maven2/";

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactResolver.class);

    private final Path localRepository;
    private final List<RemoteRepository> remoteRepositories;

    /** Local repository from {@link #defaultLocalRepository()}, remote: Maven Central. */
    public ArtifactResolver() {
        this(defaultLocalRepository());
    }

    public ArtifactResolver(Path localRepository) {
        this(localRepository, List.of(MAVEN_CENTRAL_URL));
    }

    public ArtifactResolver(Path localRepository, List<String> remoteRepositoryUrls) {
        this.localRepository = Objects.requireNonNull(localRepository, "localRepository")
                .toAbsolutePath().normalize();
        if (remoteRepositoryUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one remote repository URL is required");
        }
        List<RemoteRepository> repos = new ArrayList<>();
        for (int i = 0; i < remoteRepositoryUrls.size(); i++) {
            // "central" as id for the first one, so the local repo's _remote.repositories markers match
            // what a plain `mvn` build writes for Central.
            String id = i == 0 ? "central" : "remote-" + i;
            repos.add(new RemoteRepository.Builder(id, "default", remoteRepositoryUrls.get(i)).build());
        }
        this.remoteRepositories = List.copyOf(repos);
    }

    /** {@code maven.repo.local} if set (as Maven itself honours it), else {@code ~/.m2/repository}. */
    public static Path defaultLocalRepository() {
        String configured = System.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    public Path localRepository() {
        return localRepository;
    }

    /**
      * Resolves {@code coordinates} ({@code groupId:artifactId[:extension[:classifier]]:version}) with
      * its runtime-scope dependencies, downloading what the local repository lacks.
      *
      * <p>Blocking; see the class comment.
      *
      * @return the jar paths, the root artifact first, in Maven 3 (pre-order) classpath order
      * @throws IOException if the graph cannot be collected or an artifact cannot be downloaded
      */
    public List<Path> resolve(String coordinates) throws IOException {
        return resolve(List.of(coordinates));
    }

    /** Like {@link #resolve(String)} for several roots resolved together, as one classpath. */
    public List<Path> resolve(List<String> roots) throws IOException {
        String coordinates = String.join(", ", roots);
        long started = System.nanoTime();
        RepositorySystem system = new RepositorySystemSupplier().get();
        try (CloseableSession session = new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(localRepository)
                .setSystemProperties(System.getProperties())
                // Resolver 2 defaults to level order (Maven 4); pre-order is what `mvn` 3 puts on a
                // classpath, which matters when two jars carry the same class.
                .setConfigProperty("aether.system.dependencyVisitor", "preOrder")
                .build()) {
            List<Dependency> dependencies = new ArrayList<>();
            for (String root : roots) {
                dependencies.add(new Dependency(new DefaultArtifact(root), JavaScopes.RUNTIME));
            }
            CollectRequest collect = new CollectRequest(dependencies, List.of(), remoteRepositories);
            DependencyRequest request = new DependencyRequest(
                    collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
            DependencyResult result = system.resolveDependencies(session, request);

            List<Path> jars = new ArrayList<>();
            for (ArtifactResult artifact : result.getArtifactResults()) {
                Path path = artifact.getArtifact().getPath();
                if (path != null) {
                    jars.add(path);
                }
            }
            LOG.info("Resolved {} into {} jars in {} ms (local repository {})",
                    coordinates, jars.size(), (System.nanoTime() - started) / 1_000_000, localRepository);
            return List.copyOf(jars);
        } catch (DependencyResolutionException e) {
            throw new IOException("Could not resolve " + coordinates + " into " + localRepository
                    + " from " + remoteUrls() + ": " + e.getMessage(), e);
        } finally {
            system.shutdown();
        }
    }

    private List<String> remoteUrls() {
        return remoteRepositories.stream().map(RemoteRepository::getUrl).toList();
    }
}
