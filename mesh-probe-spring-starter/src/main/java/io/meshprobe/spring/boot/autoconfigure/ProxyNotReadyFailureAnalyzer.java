package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.ProxyNotReadyException;
import io.meshprobe.WaitResult;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start-up that failed on the proxy ({@code meshprobe.wait.on-timeout=fail}) into Boot's "APPLICATION FAILED TO
 * START" report: what was waited for, for how long, the proxy's last answer, and what to do. Registered in
 * {@code META-INF/spring.factories}.
 */
final class ProxyNotReadyFailureAnalyzer extends AbstractFailureAnalyzer<ProxyNotReadyException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ProxyNotReadyException cause) {
    WaitResult r = cause.result();
    Detection d = r.detection();
    String last = r.lastAnswer();
    String description =
        "The pod's "
            + d.mesh()
            + " proxy was not ready after "
            + r.waited().toMillis()
            + " ms, and meshprobe.wait.on-timeout=fail stops the start-up so that the app never runs without it.\n\n"
            + "    Proxy:       "
            + d
            + "\n    Asked:       "
            + (r.url() == null ? "(no readiness URL)" : r.url())
            + "\n    Last answer: "
            + (last == null ? "(none)" : last);
    String container = d.type() == MeshType.LINKERD ? "linkerd-proxy" : "istio-proxy";
    String action =
        "Find out why the proxy does not start: kubectl describe pod <pod> (its events and restarts) and kubectl logs <pod> -c "
            + container
            + ". If it only starts slowly, raise meshprobe.wait.timeout. To let the app start without it and follow it"
            + " in the background, set meshprobe.wait.on-timeout=continue. Outside a mesh, set meshprobe.mesh=none.";
    return new FailureAnalysis(description, action, cause);
  }
}
