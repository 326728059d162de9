# Runs examples/embed_scrape on a fresh directory (it scrapes a page it serves itself on
# 127.0.0.1) and checks what it printed: the target up, its samples stored with job, instance and
# the target's labels, and no `up` series left after Stop (stale markers).
#   cmake -DEXE=... -DDIR=... -P run_scrape_example.cmake   (or include() with them set)
file(REMOVE_RECURSE ${DIR})
execute_process(COMMAND ${EXE} ${DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed_scrape failed (${rc}): ${out} ${err}")
endif()
if(NOT out MATCHES "instance=\"127\\.0\\.0\\.1:([0-9]+)\"")
  message(FATAL_ERROR "embed_scrape output lacks an instance label:\n${out}")
endif()
set(instance "127.0.0.1:${CMAKE_MATCH_1}")
set(wants
    "target http://${instance}/metrics job=example health=up samples=3 error=\"\"\n"
    "up: 1 series\n  up{env=\"example\", instance=\"${instance}\", job=\"example\"} 1\n"
    "{__name__=~\"example_.*\"}: 3 series\n"
    "  example_requests_total{env=\"example\", instance=\"${instance}\", job=\"example\", path=\"/login\"} 7\n"
    "  example_temperature_celsius{env=\"example\", instance=\"${instance}\", job=\"example\"} 21.5\n"
    "up: 0 series\n")
foreach(want IN LISTS wants)
  string(FIND "${out}" "${want}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "embed_scrape output lacks '${want}':\n${out}")
  endif()
endforeach()
file(REMOVE_RECURSE ${DIR})
