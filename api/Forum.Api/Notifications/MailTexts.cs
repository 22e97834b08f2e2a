using System.Globalization;
using System.Net;
using System.Text;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Notifications;

/// <summary>A part of a mail's body, rendered both as plain text and as HTML.</summary>
public abstract record MailBlock
{
    private MailBlock()
    {
    }

    public sealed record Paragraph(string Text) : MailBlock;

    /// <summary>A heading followed by lines (a session and what changed in it, say).</summary>
    public sealed record Section(string Heading, IReadOnlyList<string> Lines) : MailBlock;

    public sealed record Items(IReadOnlyList<string> Lines) : MailBlock;

    public sealed record Link(string Label, string Url) : MailBlock;

    /// <summary>Small print at the end (why this mail came, how to stop it).</summary>
    public sealed record Note(string Text) : MailBlock;
}

/// <summary>A mail's words in one language, before rendering.</summary>
public sealed record MailText(string Language, string Subject, string Greeting, IReadOnlyList<MailBlock> Blocks)
{
    public string PlainText()
    {
        var text = new StringBuilder().Append(Greeting).Append("\n\n");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case MailBlock.Paragraph p:
                    text.Append(p.Text).Append("\n\n");
                    break;
                case MailBlock.Section s:
                    text.Append(s.Heading).Append('\n');
                    foreach (var line in s.Lines)
                    {
                        text.Append("  ").Append(line).Append('\n');
                    }

                    text.Append('\n');
                    break;
                case MailBlock.Items items:
                    foreach (var line in items.Lines)
                    {
                        text.Append("- ").Append(line).Append('\n');
                    }

                    text.Append('\n');
                    break;
                case MailBlock.Link link:
                    text.Append(link.Label).Append(":\n").Append(link.Url).Append("\n\n");
                    break;
                case MailBlock.Note note:
                    text.Append("-- \n").Append(note.Text).Append("\n\n");
                    break;
            }
        }

        return text.ToString().TrimEnd() + "\n";
    }

    /// <summary>Plain, self-contained HTML: no external images, styles or fonts.</summary>
    public string Html()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"").Append(E(Language)).Append("\"><head><meta charset=\"utf-8\"><title>").Append(E(Subject)).Append("</title></head>")
            .Append("<body style=\"font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c;max-width:40em\">")
            .Append("<p>").Append(E(Greeting)).Append("</p>");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case MailBlock.Paragraph p:
                    html.Append("<p>").Append(E(p.Text)).Append("</p>");
                    break;
                case MailBlock.Section s:
                    html.Append("<h2 style=\"font-size:18px;margin-bottom:0\">").Append(E(s.Heading)).Append("</h2><ul style=\"margin-top:4px\">");
                    foreach (var line in s.Lines)
                    {
                        html.Append("<li>").Append(E(line)).Append("</li>");
                    }

                    html.Append("</ul>");
                    break;
                case MailBlock.Items items:
                    html.Append("<ul>");
                    foreach (var line in items.Lines)
                    {
                        html.Append("<li>").Append(E(line)).Append("</li>");
                    }

                    html.Append("</ul>");
                    break;
                case MailBlock.Link link:
                    html.Append("<p><a href=\"").Append(E(link.Url)).Append("\">").Append(E(link.Label)).Append("</a></p>");
                    break;
                case MailBlock.Note note:
                    html.Append("<hr><p style=\"font-size:14px;color:#505a5f\">").Append(E(note.Text)).Append("</p>");
                    break;
            }
        }

        return html.Append("</body></html>").ToString();
    }
}

/// <summary>A member as a mail names them, with their place (or waiting position) at the conference.</summary>
public sealed record MemberLine(string Name, string Function, string Place);

/// <summary>A session as mails show it, in the conference's own time and zone.</summary>
public sealed record SessionLine(string Title, LocalDateTime Start, LocalDateTime End, string Room, bool Cancelled = false);

/// <summary>What changed in one session between two published agendas.</summary>
public sealed record SessionChangeLine(string Title, IReadOnlyList<string> Changes);

/// <summary>
/// The words of every mail Forum sends, in English and in French (the conference's first language chooses). Dates and
/// times are written in the language's way, always in the conference's time zone, which is named.
/// </summary>
public abstract class MailTexts
{
    public static MailTexts For(IReadOnlyList<string> conferenceLanguages) =>
        conferenceLanguages.Count > 0 && conferenceLanguages[0].StartsWith("fr", StringComparison.OrdinalIgnoreCase) ? French.Instance : English.Instance;

    public abstract string Language { get; }

    /// <summary>Monday first. The API runs in globalization-invariant mode (no ICU in its images), so the names are ours.</summary>
    protected abstract string[] DayNames { get; }

    protected abstract string[] MonthNames { get; }

    public string Date(LocalDate date) =>
        $"{DayNames[(int)date.DayOfWeek - 1]} {date.Day.ToString(CultureInfo.InvariantCulture)} {MonthNames[date.Month - 1]} {date.Year.ToString(CultureInfo.InvariantCulture)}";

    public string Time(LocalTime time) => LocalTimePattern.CreateWithInvariantCulture("HH:mm").Format(time);

    public string When(SessionLine s, string zone) => $"{Date(s.Start.Date)}, {Time(s.Start.TimeOfDay)}–{Time(s.End.TimeOfDay)} ({zone})";

    public string Dates(LocalDate first, LocalDate last) => first == last ? Date(first) : $"{Date(first)} – {Date(last)}";

    public abstract MailText RegistrationReceived(string conference, string focalPoint, string party, IReadOnlyList<MemberLine> members, string? accessLink);

    public abstract MailText AccreditationApproved(string conference, string member, string party, LocalDate first, LocalDate last, string venue);

    public abstract MailText AccreditationRejected(string conference, string member, string party, string? reason);

    public abstract MailText MovedUpToPlace(string conference, string focalPoint, string member);

    public abstract MailText MovedUpToSeat(string conference, string focalPoint, string member, SessionLine session, string zone);

    public abstract MailText AgendaDigest(string conference, string member, int version, IReadOnlyList<SessionChangeLine> changes, string agendaLink, string unsubscribe);

    public abstract MailText Reminder(string conference, string member, LocalDate day, IReadOnlyList<SessionLine> sessions, string zone, string unsubscribe);

    public abstract MailText ReportDeadline(string declaration, string focalPoint, string party, int year, LocalDate deadline, int daysLeft);

    /// <summary>How a member's place reads: held, or waiting at a position.</summary>
    public abstract string Place(bool admitted, long? waitingPosition);

    /// <summary>What changed in a session, from the agenda's change codes.</summary>
    public abstract string Change(string code, SessionLine? before, SessionLine? after, string zone);

    public sealed class English : MailTexts
    {
        public static readonly English Instance = new();

        public override string Language => "en";

        protected override string[] DayNames { get; } = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

        protected override string[] MonthNames { get; } =
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

        public override MailText RegistrationReceived(string conference, string focalPoint, string party, IReadOnlyList<MemberLine> members, string? accessLink) => new(
            Language, $"Registration received: {party} at {conference}", $"Dear {focalPoint},",
            [
                new MailBlock.Paragraph($"We have received the registration of the delegation of {party} to {conference}. Protocol will now review each member's accreditation; every member will hear from us by e-mail."),
                new MailBlock.Section("Members", members.Select(m => $"{m.Name}, {m.Function}: {m.Place}").ToList()),
                .. accessLink is null
                    ? new MailBlock[] { new MailBlock.Paragraph("Use the access link you were given when you registered to manage the delegation.") }
                    : [
                        new MailBlock.Paragraph("Use this link to manage the delegation: add or replace members, ask for seats in sessions, download badges. Keep it private: anyone with the link can act for the delegation."),
                        new MailBlock.Link("Manage the delegation", accessLink),
                    ],
                new MailBlock.Note("You receive this because you are the delegation's focal point. If you lose the link, you can rotate it from the delegation's page; the old one then stops working."),
            ]);

        public override MailText AccreditationApproved(string conference, string member, string party, LocalDate first, LocalDate last, string venue) => new(
            Language, $"Accreditation approved: {conference}", $"Dear {member},",
            [
                new MailBlock.Paragraph($"Your accreditation to {conference} as a member of the delegation of {party} is approved."),
                new MailBlock.Items([$"When: {Dates(first, last)}", $"Where: {venue}"]),
                new MailBlock.Paragraph("An invitation for your calendar is attached. Your badge will be given to you by your focal point."),
            ]);

        public override MailText AccreditationRejected(string conference, string member, string party, string? reason) => new(
            Language, $"Accreditation not approved: {conference}", $"Dear {member},",
            [
                new MailBlock.Paragraph($"Your accreditation to {conference} as a member of the delegation of {party} was not approved."),
                .. reason is null ? Array.Empty<MailBlock>() : [new MailBlock.Paragraph($"Reason given by protocol: {reason}")],
                new MailBlock.Paragraph("Your delegation's focal point can tell you more or propose another member."),
            ]);

        public override MailText MovedUpToPlace(string conference, string focalPoint, string member) => new(
            Language, $"A place at {conference} for {member}", $"Dear {focalPoint},",
            [new MailBlock.Paragraph($"A place at {conference} has become free and {member}, who was on the waiting list, now holds it.")]);

        public override MailText MovedUpToSeat(string conference, string focalPoint, string member, SessionLine session, string zone) => new(
            Language, $"A seat for {member}: {session.Title}", $"Dear {focalPoint},",
            [
                new MailBlock.Paragraph($"A seat has become free in a session of {conference} and {member}, who was waiting for it, now holds it."),
                new MailBlock.Section(session.Title, [When(session, zone), session.Room]),
            ]);

        public override MailText AgendaDigest(string conference, string member, int version, IReadOnlyList<SessionChangeLine> changes, string agendaLink, string unsubscribe) => new(
            Language, $"Agenda changes in your sessions: {conference}", $"Dear {member},",
            [
                new MailBlock.Paragraph($"The agenda of {conference} has changed (now version {version}). These changes touch sessions where you hold a seat:"),
                .. changes.Select(c => (MailBlock)new MailBlock.Section(c.Title, c.Changes)),
                new MailBlock.Link("The agenda", agendaLink),
                new MailBlock.Note($"You receive these summaries because you hold seats in sessions. To stop them: {unsubscribe}"),
            ]);

        public override MailText Reminder(string conference, string member, LocalDate day, IReadOnlyList<SessionLine> sessions, string zone, string unsubscribe) => new(
            Language, $"Tomorrow at {conference}: your sessions", $"Dear {member},",
            [
                new MailBlock.Paragraph($"A reminder of your sessions at {conference} tomorrow, {Date(day)} (times in {zone}):"),
                .. sessions.Select(s => (MailBlock)new MailBlock.Section(s.Title, [$"{Time(s.Start.TimeOfDay)}–{Time(s.End.TimeOfDay)}", s.Room])),
                new MailBlock.Note($"You receive these reminders because you hold seats in sessions. To stop them: {unsubscribe}"),
            ]);

        public override MailText ReportDeadline(string declaration, string focalPoint, string party, int year, LocalDate deadline, int daysLeft) => new(
            Language, $"Progress report for {year} due in {daysLeft} days: {declaration}", $"Dear {focalPoint},",
            [
                new MailBlock.Paragraph($"{party} has signed {declaration}. Its progress report for {year} has not been received yet."),
                new MailBlock.Paragraph($"Reports for {year} close at the end of {Date(deadline)}, in {daysLeft} days. Submit it from the delegation's page."),
            ]);

        public override string Place(bool admitted, long? waitingPosition) =>
            admitted ? "holds a place" : waitingPosition is { } p ? $"on the waiting list, position {p}" : "not holding a place";

        public override string Change(string code, SessionLine? before, SessionLine? after, string zone) => code switch
        {
            "moved" when before is not null && after is not null => $"Moved from {When(before, zone)} to {When(after, zone)}",
            "re-roomed" when before is not null && after is not null => $"Now in {after.Room} (was {before.Room})",
            "cancelled" => "Cancelled",
            "reinstated" => "Held after all (its cancellation was taken back)",
            "renamed" when before is not null => $"Renamed (was “{before.Title}”)",
            "added" when after is not null => $"Added: {When(after, zone)}, {after.Room}",
            "removed" => "No longer on the agenda",
            _ => "Details changed",
        };
    }

    public sealed class French : MailTexts
    {
        public static readonly French Instance = new();

        public override string Language => "fr";

        protected override string[] DayNames { get; } = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

        protected override string[] MonthNames { get; } =
            ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

        public override MailText RegistrationReceived(string conference, string focalPoint, string party, IReadOnlyList<MemberLine> members, string? accessLink) => new(
            Language, $"Inscription reçue : {party} à {conference}", $"Madame, Monsieur ({focalPoint}),",
            [
                new MailBlock.Paragraph($"Nous avons bien reçu l’inscription de la délégation de {party} à {conference}. Le protocole va maintenant examiner l’accréditation de chaque membre ; chacun recevra notre réponse par courriel."),
                new MailBlock.Section("Membres", members.Select(m => $"{m.Name}, {m.Function} : {m.Place}").ToList()),
                .. accessLink is null
                    ? new MailBlock[] { new MailBlock.Paragraph("Utilisez le lien d’accès reçu lors de l’inscription pour gérer la délégation.") }
                    : [
                        new MailBlock.Paragraph("Ce lien vous permet de gérer la délégation : ajouter ou remplacer des membres, demander des places en séance, télécharger les badges. Gardez-le pour vous : quiconque le détient peut agir au nom de la délégation."),
                        new MailBlock.Link("Gérer la délégation", accessLink),
                    ],
                new MailBlock.Note("Vous recevez ce message en tant que point focal de la délégation. Si vous perdez le lien, vous pouvez le renouveler depuis la page de la délégation ; l’ancien cesse alors de fonctionner."),
            ]);

        public override MailText AccreditationApproved(string conference, string member, string party, LocalDate first, LocalDate last, string venue) => new(
            Language, $"Accréditation accordée : {conference}", $"Madame, Monsieur ({member}),",
            [
                new MailBlock.Paragraph($"Votre accréditation à {conference} en tant que membre de la délégation de {party} est accordée."),
                new MailBlock.Items([$"Dates : {Dates(first, last)}", $"Lieu : {venue}"]),
                new MailBlock.Paragraph("Une invitation pour votre agenda est jointe. Votre badge vous sera remis par votre point focal."),
            ]);

        public override MailText AccreditationRejected(string conference, string member, string party, string? reason) => new(
            Language, $"Accréditation refusée : {conference}", $"Madame, Monsieur ({member}),",
            [
                new MailBlock.Paragraph($"Votre accréditation à {conference} en tant que membre de la délégation de {party} n’a pas été accordée."),
                .. reason is null ? Array.Empty<MailBlock>() : [new MailBlock.Paragraph($"Motif indiqué par le protocole : {reason}")],
                new MailBlock.Paragraph("Le point focal de votre délégation peut vous en dire plus ou proposer un autre membre."),
            ]);

        public override MailText MovedUpToPlace(string conference, string focalPoint, string member) => new(
            Language, $"Une place à {conference} pour {member}", $"Madame, Monsieur ({focalPoint}),",
            [new MailBlock.Paragraph($"Une place s’est libérée à {conference} : {member}, qui était sur la liste d’attente, l’occupe désormais.")]);

        public override MailText MovedUpToSeat(string conference, string focalPoint, string member, SessionLine session, string zone) => new(
            Language, $"Une place en séance pour {member} : {session.Title}", $"Madame, Monsieur ({focalPoint}),",
            [
                new MailBlock.Paragraph($"Une place s’est libérée dans une séance de {conference} : {member}, qui l’attendait, l’occupe désormais."),
                new MailBlock.Section(session.Title, [When(session, zone), session.Room]),
            ]);

        public override MailText AgendaDigest(string conference, string member, int version, IReadOnlyList<SessionChangeLine> changes, string agendaLink, string unsubscribe) => new(
            Language, $"Modifications de vos séances : {conference}", $"Madame, Monsieur ({member}),",
            [
                new MailBlock.Paragraph($"Le programme de {conference} a changé (version {version}). Ces modifications concernent des séances où vous avez une place :"),
                .. changes.Select(c => (MailBlock)new MailBlock.Section(c.Title, c.Changes)),
                new MailBlock.Link("Le programme", agendaLink),
                new MailBlock.Note($"Vous recevez ces résumés parce que vous avez des places en séance. Pour ne plus les recevoir : {unsubscribe}"),
            ]);

        public override MailText Reminder(string conference, string member, LocalDate day, IReadOnlyList<SessionLine> sessions, string zone, string unsubscribe) => new(
            Language, $"Demain à {conference} : vos séances", $"Madame, Monsieur ({member}),",
            [
                new MailBlock.Paragraph($"Rappel de vos séances de demain, {Date(day)}, à {conference} (heures de {zone}) :"),
                .. sessions.Select(s => (MailBlock)new MailBlock.Section(s.Title, [$"{Time(s.Start.TimeOfDay)}–{Time(s.End.TimeOfDay)}", s.Room])),
                new MailBlock.Note($"Vous recevez ces rappels parce que vous avez des places en séance. Pour ne plus les recevoir : {unsubscribe}"),
            ]);

        public override MailText ReportDeadline(string declaration, string focalPoint, string party, int year, LocalDate deadline, int daysLeft) => new(
            Language, $"Rapport d’avancement {year} attendu dans {daysLeft} jours : {declaration}", $"Madame, Monsieur ({focalPoint}),",
            [
                new MailBlock.Paragraph($"{party} a signé {declaration}. Son rapport d’avancement pour {year} ne nous est pas encore parvenu."),
                new MailBlock.Paragraph($"Les rapports pour {year} sont reçus jusqu’à la fin du {Date(deadline)}, dans {daysLeft} jours. Vous pouvez le remettre depuis la page de la délégation."),
            ]);

        public override string Place(bool admitted, long? waitingPosition) =>
            admitted ? "a une place" : waitingPosition is { } p ? $"sur la liste d’attente, position {p}" : "sans place";

        public override string Change(string code, SessionLine? before, SessionLine? after, string zone) => code switch
        {
            "moved" when before is not null && after is not null => $"Déplacée du {When(before, zone)} au {When(after, zone)}",
            "re-roomed" when before is not null && after is not null => $"Désormais en salle {after.Room} (auparavant {before.Room})",
            "cancelled" => "Annulée",
            "reinstated" => "Finalement maintenue (son annulation est levée)",
            "renamed" when before is not null => $"Renommée (auparavant « {before.Title} »)",
            "added" when after is not null => $"Ajoutée : {When(after, zone)}, {after.Room}",
            "removed" => "Retirée du programme",
            _ => "Détails modifiés",
        };
    }
}
