/**
 * The agent jar's command line: {@code doctor}, {@code analyze}, {@code wait} and {@code quit}. Everything here is
 * non-null unless documented otherwise (no JSpecify on the agent's class path yet).
 */
package io.meshprobe.agent.cli;
