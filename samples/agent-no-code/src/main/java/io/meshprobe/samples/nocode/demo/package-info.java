/** The README's demo: runs {@link io.meshprobe.samples.nocode.NightlyReport} with the agent beside a fake sidecar. */
package io.meshprobe.samples.nocode.demo;
