// Runs for each change to the `thumbnails` table (a DynamoDB Streams event source mapping):
// announces new thumbnails on the SNS topic `thumbnails-ready`.
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";

const sns = new SNSClient({});

export const handler = async (event) => {
  let published = 0;
  for (const record of event.Records) {
    const image = record.dynamodb.NewImage;
    if (record.eventName !== "INSERT" || !image.thumbnail) continue; // not a photo (the clean-up counter)
    const photo = image.photo.S;
    await sns.send(
      new PublishCommand({
        TopicArn: process.env.TOPIC_ARN,
        Message: JSON.stringify({ photo, thumbnail: image.thumbnail.S }),
      }),
    );
    published += 1;
  }
  return { published };
};
