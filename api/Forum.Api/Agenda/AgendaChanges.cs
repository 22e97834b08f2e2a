namespace Forum.Api.Agenda;

public sealed record SessionChange(Guid SessionId, int Number, string Title, IReadOnlyList<string> Changes, SessionView? Before, SessionView? After);

public sealed record AgendaChanges(string ConferenceSlug, int From, int To, IReadOnlyList<SessionChange> Sessions);

public static class AgendaDiff
{
    /// <summary>What changed for attendees between two published versions: added, moved, re-roomed, renamed, cancelled.</summary>
    public static AgendaChanges Between(AgendaView from, AgendaView to)
    {
        var before = from.AllSessions.ToDictionary(s => s.Id);
        var after = to.AllSessions.ToDictionary(s => s.Id);
        var changes = new List<SessionChange>();
        foreach (var now in after.Values.OrderBy(s => s.StartUtc).ThenBy(s => s.Number))
        {
            if (!before.TryGetValue(now.Id, out var was))
            {
                changes.Add(new SessionChange(now.Id, now.Number, now.Title, [now.Status == SessionStatus.Cancelled ? "cancelled" : "added"], null, now));
                continue;
            }

            var kinds = new List<string>();
            if (was.Start != now.Start || was.End != now.End)
            {
                kinds.Add("moved");
            }

            if (was.RoomId != now.RoomId)
            {
                kinds.Add("re-roomed");
            }

            if (was.Title != now.Title)
            {
                kinds.Add("renamed");
            }

            if (was.Status != SessionStatus.Cancelled && now.Status == SessionStatus.Cancelled)
            {
                kinds.Add("cancelled");
            }

            if (was.Status == SessionStatus.Cancelled && now.Status != SessionStatus.Cancelled)
            {
                kinds.Add("reinstated");
            }

            if (kinds.Count > 0)
            {
                changes.Add(new SessionChange(now.Id, now.Number, now.Title, kinds, was, now));
            }
        }

        // A session that left the view (made closed) is gone for the reader of that view.
        changes.AddRange(before.Values.Where(s => !after.ContainsKey(s.Id)).Select(s => new SessionChange(s.Id, s.Number, s.Title, ["removed"], s, null)));
        return new AgendaChanges(to.ConferenceSlug, from.Version ?? 0, to.Version ?? 0, changes);
    }
}
