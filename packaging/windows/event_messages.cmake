# The Event Log's message table (packaging/windows/osagent-events.mc: every event id's and
# category's text) as an object to link into a Windows program: windmc makes the .rc and
# .bin, windres the object. Used by osagent.exe (where the source's EventMessageFile points
# Event Viewer) and by the Windows platform tests (which read each text back).
#   osfleet_event_message_table(OUT_VAR)   sets OUT_VAR to the object's path
set(OSFLEET_EVENTS_MC ${CMAKE_CURRENT_LIST_DIR}/osagent-events.mc)  # here, not the caller's

function(osfleet_event_message_table out_var)
  find_program(OSFLEET_WINDMC NAMES x86_64-w64-mingw32-windmc windmc REQUIRED)
  set(mc ${OSFLEET_EVENTS_MC})
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/events)
  set(obj ${dir}/osagent-events.res.o)
  add_custom_command(
      OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${OSFLEET_WINDMC} -h ${dir} -r ${dir} ${mc}
      COMMAND ${CMAKE_RC_COMPILER} -I ${dir} -i ${dir}/osagent-events.rc -o ${obj}
      DEPENDS ${mc}
      COMMENT "windmc + windres: the Event Log's message table"
      VERBATIM)
  set(${out_var} ${obj} PARENT_SCOPE)
endfunction()
