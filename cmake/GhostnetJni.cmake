# The JNI headers, from the JDK that runs the build (Maven passes JAVA_HOME).
#
# Only jni.h and jni_md.h are needed: JavaCPP's generated code is compiled against them and
# the JVM provides the rest at run time. CMake's FindJNI also insists on AWT, which a
# headless JDK (usual on servers and in containers) does not have, so the headers are
# looked up directly.
set(_ghostnet_java_homes ${JAVA_HOME} $ENV{JAVA_HOME})
if(NOT _ghostnet_java_homes)
  find_program(_ghostnet_javac javac)
  if(_ghostnet_javac)
    get_filename_component(_ghostnet_javac "${_ghostnet_javac}" REALPATH)
    get_filename_component(_ghostnet_java_bin "${_ghostnet_javac}" DIRECTORY)
    get_filename_component(_ghostnet_java_homes "${_ghostnet_java_bin}" DIRECTORY)
  endif()
endif()

find_path(GHOSTNET_JNI_INCLUDE_DIR jni.h PATHS ${_ghostnet_java_homes} PATH_SUFFIXES include NO_DEFAULT_PATH)
find_path(GHOSTNET_JNI_MD_INCLUDE_DIR jni_md.h PATHS ${_ghostnet_java_homes} PATH_SUFFIXES include/linux NO_DEFAULT_PATH)
if(NOT GHOSTNET_JNI_INCLUDE_DIR OR NOT GHOSTNET_JNI_MD_INCLUDE_DIR)
  message(FATAL_ERROR "The JNI headers (jni.h, jni_md.h) were not found under JAVA_HOME='${_ghostnet_java_homes}'. "
                      "Set -DJAVA_HOME to a JDK (not a JRE); Maven passes the JDK it runs on.")
endif()
set(GHOSTNET_JNI_INCLUDE_DIRS ${GHOSTNET_JNI_INCLUDE_DIR} ${GHOSTNET_JNI_MD_INCLUDE_DIR})
