namespace Forum.Design.Api;

/// <summary>
/// The API's address as readers reach it (ForumApi:PublicUrl, else ForumApi:BaseUrl): for the links and commands a
/// page shows (the declaration's canonical text, to check its hash), never for the client's own calls.
/// </summary>
public sealed record ApiAddress(string Public)
{
    public string Of(string path) => Public.TrimEnd('/') + "/" + path.TrimStart('/');
}
