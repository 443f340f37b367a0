# Authenticode signing of the Windows build (packaging/windows/sign.sh, osslsigncode): the
# programs right after they are linked (so wixl packs signed copies), then each MSI.
# Configured from the environment at each configure (`./run windows` configures every time):
#   OSFLEET_SIGN_PFX, OSFLEET_SIGN_PASSWORD_FILE   both: sign; neither: one line saying the
#                                                   artifacts are unsigned
#   OSFLEET_SIGN_TIMESTAMP_URL, OSFLEET_SIGN_CAFILE optional (sign.sh says what each does)
# Changing them re-links and re-signs (the signing command is part of each rule).
#   osfleet_sign_target(TARGET)     sign TARGET's file (a program, a DLL) in place after each
#                                   link
#   osfleet_sign_file(NAME FILE)    sign FILE (an MSI) in place once the rule that makes it
#                                   has run all its commands, and again whenever it runs:
#                                   the target NAME (in ALL) runs sign.sh and then touches a
#                                   stamp that depends on FILE. Call it in the folder whose
#                                   add_custom_command makes FILE.
# Both do nothing outside the Windows build or when signing is off.
include_guard(GLOBAL)

set(OSFLEET_SIGN_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/sign.sh)
set(OSFLEET_SIGN_COMMAND "")
if(WIN32)
  if("$ENV{OSFLEET_SIGN_PFX}" STREQUAL "" AND "$ENV{OSFLEET_SIGN_PASSWORD_FILE}" STREQUAL "")
    message(NOTICE "osfleet: the Windows artifacts are unsigned "
                   "(set OSFLEET_SIGN_PFX and OSFLEET_SIGN_PASSWORD_FILE to sign them)")
  else()
    # The values as configured, passed to sign.sh explicitly (unset ones unset): a build
    # signs as its configure said, whatever its own environment holds.
    set(OSFLEET_SIGN_COMMAND ${CMAKE_COMMAND} -E env)
    foreach(variable OSFLEET_SIGN_PFX OSFLEET_SIGN_PASSWORD_FILE OSFLEET_SIGN_TIMESTAMP_URL
                     OSFLEET_SIGN_CAFILE)
      if("$ENV{${variable}}" STREQUAL "")
        list(APPEND OSFLEET_SIGN_COMMAND --unset=${variable})
      else()
        list(APPEND OSFLEET_SIGN_COMMAND "${variable}=$ENV{${variable}}")
      endif()
    endforeach()
    list(APPEND OSFLEET_SIGN_COMMAND ${OSFLEET_SIGN_SCRIPT})
    message(STATUS "osfleet: signing the Windows artifacts with $ENV{OSFLEET_SIGN_PFX}")
  endif()
endif()

function(osfleet_sign_target target)
  if(OSFLEET_SIGN_COMMAND)
    add_custom_command(TARGET ${target} POST_BUILD
                       COMMAND ${OSFLEET_SIGN_COMMAND} $<TARGET_FILE:${target}>
                       VERBATIM)
  endif()
endfunction()

function(osfleet_sign_file name file)
  if(OSFLEET_SIGN_COMMAND)
    get_filename_component(file_name ${file} NAME)
    set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${file_name}.signed)
    add_custom_command(OUTPUT ${stamp}
                       COMMAND ${OSFLEET_SIGN_COMMAND} ${file}
                       COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
                       DEPENDS ${file} ${OSFLEET_SIGN_SCRIPT}
                       COMMENT "signing ${file_name}"
                       VERBATIM)
    add_custom_target(${name} ALL DEPENDS ${stamp})
  endif()
endfunction()
