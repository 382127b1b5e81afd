// Reads an iCalendar feed on stdin with Mozilla's ical.js and prints what a client sees
// as JSON: per VEVENT its properties, VALARM triggers and (for recurring events) the
// first N instances (argv[2], default 10) as local wall time, UTC and end time.
import ICAL from "ical.js";

const limit = Number(process.argv[2] ?? 10);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const wall = (time) => time.toString(); // local wall time in the value's own zone
const utc = (time) => time.toJSDate().toISOString();

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const alarms = vevent.getAllSubcomponents("valarm").map((alarm) => ({
    action: alarm.getFirstPropertyValue("action"),
    trigger: alarm.getFirstPropertyValue("trigger").toString(),
    trigger_seconds: alarm.getFirstPropertyValue("trigger").toSeconds(),
    description: alarm.getFirstPropertyValue("description"),
  }));
  const instances = [];
  if (event.isRecurring()) {
    const iterator = event.iterator();
    for (let next = iterator.next(); next && instances.length < limit; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      instances.push({
        start_local: wall(details.startDate),
        start_utc: utc(details.startDate),
        end_local: wall(details.endDate),
        end_utc: utc(details.endDate),
      });
    }
  }
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    sequence: event.sequence,
    tzid: event.startDate.zone.tzid,
    start_local: wall(event.startDate),
    start_utc: utc(event.startDate),
    is_date: event.startDate.isDate,
    categories: vevent.getFirstPropertyValue("categories"),
    rrule: vevent.getFirstPropertyValue("rrule")?.toString() ?? null,
    alarms,
    instances,
  };
});

process.stdout.write(
  JSON.stringify({
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    prodid: calendar.getFirstPropertyValue("prodid"),
    version: calendar.getFirstPropertyValue("version"),
    events,
  }),
);
