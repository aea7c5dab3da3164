CREATE TABLE "auto_mail_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "captured_mails" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"envelope_from" text NOT NULL,
	"envelope_to" jsonb NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"raw" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "captured_mails_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "mail_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"message_id" text NOT NULL,
	"content_hash" text DEFAULT '' NOT NULL,
	"ticket_id" integer,
	"message_row_id" integer,
	"outbox_id" bigint,
	"outcome" text DEFAULT '' NOT NULL,
	"bulk" boolean DEFAULT false NOT NULL,
	"raw" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_message_row_id_messages_id_fk" FOREIGN KEY ("message_row_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "auto_mail_log_recipient" ON "auto_mail_log" USING btree ("recipient","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_messages_key" ON "mail_messages" USING btree ("message_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_messages_outbox" ON "mail_messages" USING btree ("outbox_id");--> statement-breakpoint
CREATE INDEX "mail_messages_ticket" ON "mail_messages" USING btree ("ticket_id","id");