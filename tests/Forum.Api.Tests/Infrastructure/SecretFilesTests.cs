using Forum.Api.Infrastructure;

namespace Forum.Api.Tests.Infrastructure;

public sealed class SecretFilesTests
{
    [Fact]
    public void A_FILE_variable_sets_its_key_to_the_file_s_content_and_other_variables_are_left_alone()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "c2VjcmV0LWtleQ==\n");
            var values = SecretFiles.Read(new Dictionary<string, string>
            {
                ["PersonalData__MasterKey_FILE"] = file,
                ["Auth__SigningKey"] = "in-the-environment",
                ["_FILE"] = file,
                ["TF_CLI_CONFIG_FILE"] = "/root/.terraformrc-that-is-not-there",
            });
            Assert.Equal(new Dictionary<string, string?> { ["PersonalData:MasterKey"] = "c2VjcmV0LWtleQ==" }, values);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_FILE_variable_naming_a_missing_file_stops_the_start_without_showing_a_secret()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SecretFiles.Read(new Dictionary<string, string> { ["SendGrid__ApiKey_FILE"] = "/run/secrets/none" }));
        Assert.Equal("SendGrid__ApiKey_FILE names /run/secrets/none, which does not exist.", error.Message);
    }
}
