/** A fake mesh sidecar (Istio, Linkerd, Envoy) serving real recorded proxy payloads over HTTP, with fault scripting. */
package io.meshprobe.testkit;
