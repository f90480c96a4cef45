// Command schedule is the schedule service: semesters and registration windows, rooms,
// lecturers, sections, timetables and the seat inventory.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("schedule", run) }
