// Reads an iCalendar feed on stdin (or a JSON array of feeds) and prints what ical.js makes of it, as JSON: the
// calendar's properties and, for every event, its UTC start and end as ical.js computes them from the feed's own
// VTIMEZONEs.
import ICAL from 'ical.js';
import { readFileSync } from 'node:fs';

const value = (component, name) => {
  const v = component.getFirstPropertyValue(name);
  return v === null || v === undefined ? null : v.toString();
};

function read(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  // Each feed with its own time zones only.
  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(zone);
  }

  const events = calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      sequence: event.sequence,
      status: value(component, 'status'),
      class: value(component, 'class'),
      url: value(component, 'url'),
      categories: value(component, 'categories'),
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      hasDuration: component.hasProperty('duration'),
      attendees: component.getAllProperties('attendee').length,
      attendee: value(component, 'attendee'),
      organizer: value(component, 'organizer'),
    };
  });

  return {
    method: value(calendar, 'method'),
    name: value(calendar, 'x-wr-calname'),
    version: value(calendar, 'version'),
    prodid: value(calendar, 'prodid'),
    timezones: calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')),
    events,
  };
}

const input = readFileSync(0, 'utf8');
console.log(JSON.stringify(input.startsWith('[') ? JSON.parse(input).map(read) : read(input)));
