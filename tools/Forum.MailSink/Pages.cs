using System.Buffers.Text;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Forum.MailSink;

/// <summary>
/// The mails on a web page: server-rendered, no script, everything HTML-encoded. A mail's HTML is shown in a sandboxed
/// iframe from its own route, served with a CSP sandbox that allows no script, no request (inline styles and data:
/// images only); attachments are always downloads.
/// </summary>
public static class Pages
{
    private const string PageCsp = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    private const string MailHtmlCsp = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private const string Style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:80rem}
        h1{font-size:1.3rem;margin:0 0 .3rem} h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
        table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
        th{background:#f4f4f4;font-weight:600} td.nowrap{white-space:nowrap} .muted{color:#666} .bounce{color:#a40000} .ok{color:#1a6a1a}
        pre{background:#f7f7f7;padding:.7rem;white-space:pre-wrap;word-break:break-word;border:1px solid #e3e3e3}
        iframe{width:100%;height:32rem;border:1px solid #ccc;background:#fff} code{font-size:.92em}
        form{margin:.6rem 0} input{padding:.2rem .4rem;width:20rem}
        """;

    public static IEndpointRouteBuilder MapSinkPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext ctx, MailStore store, MailSinkOptions options, SinkStats stats) =>
        {
            var to = ctx.Request.Query["to"].ToString();
            var all = store.All();
            var shown = all.Reverse().Where(m => to.Length == 0 || m.Matches(to, [])).Take(500).ToList();
            var html = new StringBuilder(4096 + shown.Count * 400);
            Head(html, "Local SendGrid");
            html.Append("<h1>Local SendGrid</h1><p class=\"muted\">").Append(E(all.Count.ToString("N0", CultureInfo.InvariantCulture)))
                .Append(all.Count == 1 ? " mail" : " mails").Append(" kept (newest first, at most 500 shown). POST <code>/v3/mail/send</code>; events to ")
                .Append(options.WebhookUrl is null ? "no webhook (set MailSink__WebhookUrl)" : $"<code>{E(options.WebhookUrl.ToString())}</code>")
                .Append("; addresses <code>@").Append(E(options.BounceDomain)).Append("</code> bounce. ")
                .Append(E(stats[Stat.Invalid].ToString(CultureInfo.InvariantCulture))).Append(" refused as invalid, ")
                .Append(E(stats[Stat.Faulted].ToString(CultureInfo.InvariantCulture))).Append(" answered with a fault. ")
                .Append("JSON: <a href=\"/api/messages\">/api/messages</a>, <a href=\"/api/stats\">/api/stats</a>.</p>")
                .Append("<form method=\"get\" action=\"/\"><label>To <input name=\"to\" type=\"search\" value=\"").Append(E(to))
                .Append("\"></label> <button>Filter</button></form>")
                .Append("<table><thead><tr><th>Received (UTC)</th><th>From</th><th>To</th><th>Subject</th><th>Status</th></tr></thead><tbody>");
            foreach (var m in shown)
            {
                var recipients = m.Personalizations.SelectMany(p => p.Recipients()).Select(r => r.Email).ToList();
                var subjects = m.Personalizations.Select(m.SubjectOf).Distinct().ToList();
                html.Append("<tr><td class=\"nowrap\"><a href=\"/messages/").Append(E(m.Id)).Append("\">")
                    .Append(E(m.ReceivedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))).Append("</a></td><td>")
                    .Append(E(Address(m.From))).Append("</td><td>").Append(E(string.Join(", ", recipients.Take(5))))
                    .Append(recipients.Count > 5 ? E($" and {recipients.Count - 5} more") : "").Append("</td><td>")
                    .Append(E(string.Join(" / ", subjects))).Append("</td><td>");
                Status(html, m);
                html.Append("</td></tr>");
            }

            if (shown.Count == 0)
            {
                html.Append("<tr><td colspan=\"5\" class=\"muted\">No mail yet.</td></tr>");
            }

            html.Append("</tbody></table></body></html>");
            return Page(ctx, html);
        });

        app.MapGet("/messages/{id}", (string id, HttpContext ctx, MailStore store) =>
        {
            if (store.Find(id) is not { } m)
            {
                return Results.NotFound();
            }

            var html = new StringBuilder(8192);
            Head(html, m.Subject ?? m.Personalizations[0].Subject ?? "(no subject)");
            html.Append("<p><a href=\"/\">All mails</a> · <a href=\"/api/messages/").Append(E(m.Id)).Append("\">JSON</a> · <a href=\"/api/messages/")
                .Append(E(m.Id)).Append("/raw\">request body</a></p><h1>").Append(E(m.Subject ?? m.Personalizations[0].Subject ?? "(no subject)")).Append("</h1><table>");
            Row(html, "X-Message-Id", m.Id);
            Row(html, "Received", m.ReceivedAt.ToString("u", CultureInfo.InvariantCulture));
            Row(html, "From", Address(m.From));
            if (m.ReplyTo is not null || m.ReplyToList.Count > 0)
            {
                Row(html, "Reply-To", string.Join(", ", (m.ReplyTo is null ? m.ReplyToList : [m.ReplyTo]).Select(Address)));
            }

            if (m.Categories.Count > 0)
            {
                Row(html, "Categories", string.Join(", ", m.Categories));
            }

            Row(html, "custom_args", Pairs(m.CustomArgs));
            Row(html, "Headers", Pairs(m.Headers));
            if (m.SendAt is { } sendAt)
            {
                Row(html, "send_at", DateTimeOffset.FromUnixTimeSeconds(sendAt).ToString("u", CultureInfo.InvariantCulture));
            }

            if (m.TemplateId is not null)
            {
                Row(html, "template_id", m.TemplateId);
            }

            html.Append("</table><h2>Personalizations</h2><table><thead><tr><th>#</th><th>To</th><th>Cc</th><th>Bcc</th><th>Subject</th><th>custom_args</th></tr></thead><tbody>");
            for (var i = 0; i < m.Personalizations.Count; i++)
            {
                var p = m.Personalizations[i];
                html.Append("<tr><td>").Append(i).Append("</td><td>").Append(E(string.Join(", ", p.To.Select(Address)))).Append("</td><td>")
                    .Append(E(string.Join(", ", p.Cc.Select(Address)))).Append("</td><td>").Append(E(string.Join(", ", p.Bcc.Select(Address))))
                    .Append("</td><td>").Append(E(m.SubjectOf(p) ?? "")).Append("</td><td>").Append(E(Pairs(m.CustomArgsOf(p)))).Append("</td></tr>");
            }

            html.Append("</tbody></table>");
            if (m.Html is not null)
            {
                html.Append("<h2>HTML</h2><iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"The mail's HTML\" src=\"/messages/").Append(E(m.Id)).Append("/html\"></iframe>");
            }

            if (m.Text is not null)
            {
                html.Append("<h2>Text</h2><pre>").Append(E(m.Text)).Append("</pre>");
            }

            foreach (var other in m.Content.Where(c => !c.Type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) && !c.Type.Equals("text/html", StringComparison.OrdinalIgnoreCase)))
            {
                html.Append("<h2>").Append(E(other.Type)).Append("</h2><pre>").Append(E(other.Value)).Append("</pre>");
            }

            if (m.Attachments.Count > 0)
            {
                html.Append("<h2>Attachments</h2><table><thead><tr><th>File</th><th>Type</th><th>Disposition</th><th>Content-ID</th><th>Size</th></tr></thead><tbody>");
                for (var i = 0; i < m.Attachments.Count; i++)
                {
                    var a = m.Attachments[i];
                    html.Append("<tr><td><a href=\"/messages/").Append(E(m.Id)).Append("/attachments/").Append(i).Append("\" download>").Append(E(a.Filename))
                        .Append("</a></td><td>").Append(E(a.Type ?? "")).Append("</td><td>").Append(E(a.Disposition)).Append("</td><td>").Append(E(a.ContentId ?? ""))
                        .Append("</td><td>").Append(E(a.Size.ToString("N0", CultureInfo.InvariantCulture))).Append(" bytes</td></tr>");
                }

                html.Append("</tbody></table>");
            }

            html.Append("<h2>Events</h2><table><thead><tr><th>Event</th><th>Recipient</th><th>sg_event_id</th><th>Detail</th><th>Webhook</th></tr></thead><tbody>");
            foreach (var e in m.Events())
            {
                html.Append("<tr><td class=\"").Append(e.Event is "bounce" or "dropped" or "blocked" or "spamreport" ? "bounce" : "ok").Append("\">").Append(E(e.Event))
                    .Append("</td><td>").Append(E(e.Email)).Append("</td><td><code>").Append(E(e.SgEventId)).Append("</code></td><td>")
                    .Append(E(string.Join("; ", e.Fields.Where(f => f.Key is "response" or "reason" or "status").Select(f => $"{f.Key}: {f.Value}"))))
                    .Append("</td><td>").Append(E(e.Webhook)).Append("</td></tr>");
            }

            html.Append("</tbody></table></body></html>");
            return Page(ctx, html);
        });

        app.MapGet("/messages/{id}/html", (string id, HttpContext ctx, MailStore store) =>
        {
            if (store.Find(id)?.Html is not { } body)
            {
                return Results.NotFound();
            }

            ctx.Response.Headers.ContentSecurityPolicy = MailHtmlCsp;
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
            return Results.Text(body, "text/html; charset=utf-8");
        });

        app.MapGet("/messages/{id}/attachments/{index:int}", (string id, int index, HttpContext ctx, MailStore store) =>
        {
            if (store.Find(id) is not { } m || index < 0 || index >= m.Attachments.Count)
            {
                return Results.NotFound();
            }

            var a = m.Attachments[index];
            var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(a.Content.Length)];
            _ = Convert.TryFromBase64String(a.Content, bytes, out var n);
            var type = a.Type is not null && MediaTypeHeaderValue.TryParse(a.Type, out _) ? a.Type : "application/octet-stream";
            var disposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = a.Filename };
            ctx.Response.Headers.ContentDisposition = disposition.ToString();
            ctx.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(bytes.AsMemory(0, n), type);
        });

        return app;
    }

    private static string E(string s) => Encoder.Encode(s);

    private static string Address(MailAddress a) => a.Name is { Length: > 0 } name ? $"{name} <{a.Email}>" : a.Email;

    private static string Pairs(IReadOnlyDictionary<string, string> map) => string.Join(", ", map.Select(kv => $"{kv.Key}={kv.Value}"));

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");

    private static void Head(StringBuilder html, string title) =>
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title))
            .Append(" · Forum mail</title><style>").Append(Style).Append("</style></head><body>");

    private static void Status(StringBuilder html, StoredMail m)
    {
        var events = m.Events();
        if (events.Count == 0)
        {
            html.Append("<span class=\"muted\">accepted</span>");
            return;
        }

        var last = events.GroupBy(e => e.Email, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        var parts = last.GroupBy(e => e.Event).Select(g => $"{g.Key} {g.Count()}");
        var bad = last.Any(e => e.Event is "bounce" or "dropped" or "blocked" or "spamreport");
        var webhook = events.Select(e => e.Webhook).Distinct().ToList();
        html.Append("<span class=\"").Append(bad ? "bounce" : "ok").Append("\">").Append(E(string.Join(", ", parts))).Append("</span><br><span class=\"muted\">webhook: ")
            .Append(E(string.Join(", ", webhook))).Append("</span>");
    }

    private static IResult Page(HttpContext ctx, StringBuilder html)
    {
        ctx.Response.Headers.ContentSecurityPolicy = PageCsp;
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
        ctx.Response.Headers.CacheControl = "no-store";
        return Results.Text(html.ToString(), "text/html; charset=utf-8");
    }
}
