/** The agent's implementation: start-up wait or gate, quit on exit, metrics, JMX. Not an API. */
@NullMarked
package io.meshprobe.agent.internal;

import org.jspecify.annotations.NullMarked;
