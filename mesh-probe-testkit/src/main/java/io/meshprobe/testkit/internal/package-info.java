/**
 * mesh-probe's own build tools, shipped in the testkit because every module's tests can reach it. Not API: may change
 * in any release.
 */
package io.meshprobe.testkit.internal;
