using Forum.MailSink;

// The local SendGrid: see MailSinkHost and README.md ("Local SendGrid").
await using var app = MailSinkHost.Build(args);
await app.RunAsync();
