/**
 * The {@code -javaagent} entry point: {@link io.meshprobe.agent.MeshProbeAgent}. JDK types only; everything else
 * lives in {@code io.meshprobe.agent.internal} and in the relocated copies under {@code io.meshprobe.agent.shaded}.
 */
@NullMarked
package io.meshprobe.agent;

import org.jspecify.annotations.NullMarked;
