/**
 * ghostnet on Apache Spark: {@link dev.ghostnet.spark.GhostNetClassifier}, a Spark ML stage that
 * classifies the images of a DataFrame on every executor, one model per executor JVM, on the
 * GPUs Spark assigns. Spark 4 (Scala 2.13) is the cluster's: it is not a dependency of the library.
 */
package dev.ghostnet.spark;
