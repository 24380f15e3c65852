/**
 * The fence: code that exists only because a library version fooweb runs on has a defect or lacks a hook. One package
 * per library; each package's documentation names the defect, the version it was read in, and the test that shows
 * whether the patch is still needed. Product code (every other io.fooweb package) calls a patch only through the entry
 * point its package documentation names, never its internals; YAML wires patches in by type name (routes/*.camel.yaml).
 * When a library release fixes a defect, delete the patch and run the test named for it.
 */
package io.fooweb.patch;
