/** A plain Java job that knows nothing of mesh-probe; the agent does the mesh work. */
package io.meshprobe.samples.nocode;
