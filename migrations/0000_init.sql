CREATE TABLE `active_contacts` (
	`organization_id` text NOT NULL,
	`cycle_start` integer NOT NULL,
	`contact_id` text NOT NULL,
	`message_id` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `cycle_start`, `contact_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_availability` (
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text DEFAULT 'ONLINE' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `user_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_tools` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`type` text NOT NULL,
	`url` text,
	`method` text DEFAULT 'POST' NOT NULL,
	`headers_encrypted` text,
	`parameters_schema` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `agent_tools_org_channel` ON `agent_tools` (`organization_id`,`channel_id`);--> statement-breakpoint
CREATE TABLE `ai_auto_replies` (
	`source_message_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`draft_message_id` text,
	`claimed_at` integer NOT NULL,
	FOREIGN KEY (`source_message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `ai_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`model` text NOT NULL,
	`temperature` real DEFAULT 0.3 NOT NULL,
	`max_tokens` integer DEFAULT 1024 NOT NULL,
	`base_url` text,
	`api_version` text,
	`deployment` text,
	`api_key_encrypted` text,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ai_providers_org` ON `ai_providers` (`organization_id`);--> statement-breakpoint
CREATE TABLE `analytics_conversations` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`derived_version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `analytics_conversations_org_stale` ON `analytics_conversations` (`organization_id`) WHERE derived_version < version;--> statement-breakpoint
CREATE TABLE `analytics_cycles` (
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`cycle` integer NOT NULL,
	`channel_id` text NOT NULL,
	`kind` text NOT NULL,
	`started_at` integer NOT NULL,
	`waiting_since` integer,
	`first_reply_at` integer,
	`first_reply_by` text,
	`first_reply_agent_id` text,
	`frt_ms` integer,
	`frt_business_ms` integer,
	`resolved_at` integer,
	`resolved_by_id` text,
	`resolution_ms` integer,
	`resolution_business_ms` integer,
	`replies` integer DEFAULT 0 NOT NULL,
	`human_replied` integer DEFAULT false NOT NULL,
	`ai_replied` integer DEFAULT false NOT NULL,
	`ai_involved` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`conversation_id`, `cycle`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `analytics_cycles_org_started` ON `analytics_cycles` (`organization_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `analytics_cycles_org_reply` ON `analytics_cycles` (`organization_id`,`first_reply_at`);--> statement-breakpoint
CREATE INDEX `analytics_cycles_org_resolved` ON `analytics_cycles` (`organization_id`,`resolved_at`);--> statement-breakpoint
CREATE TABLE `analytics_daily` (
	`organization_id` text NOT NULL,
	`day` text NOT NULL,
	`channel_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`metric` text NOT NULL,
	`dim` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `day`, `metric`, `channel_id`, `agent_id`, `dim`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analytics_dirty_days` (
	`organization_id` text NOT NULL,
	`day` text NOT NULL,
	`generation` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`organization_id`, `day`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analytics_events` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`kind` text NOT NULL,
	`agent_id` text,
	`language` text,
	`message_id` text,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `analytics_events_org_time` ON `analytics_events` (`organization_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `analytics_events_conversation` ON `analytics_events` (`conversation_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `archive_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `automation_comments` (
	`organization_id` text NOT NULL,
	`comment_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`post_id` text NOT NULL,
	`commenter_id` text NOT NULL,
	`commenter_name` text,
	`commenter_handle` text,
	`commenter_avatar_url` text,
	`text` text NOT NULL,
	`commented_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`evaluated_at` integer,
	`fired_trigger_id` text,
	`outcome` text,
	PRIMARY KEY(`organization_id`, `comment_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_comments_commenter` ON `automation_comments` (`organization_id`,`channel_id`,`commenter_id`,`commented_at`);--> statement-breakpoint
CREATE TABLE `automation_dms` (
	`organization_id` text NOT NULL,
	`comment_id` text NOT NULL,
	`trigger_id` text NOT NULL,
	`conversation_id` text,
	`message_id` text,
	`dm_status` text,
	`dm_detail` text,
	`public_reply_claimed_at` integer,
	`public_reply_status` text,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `comment_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_dms_trigger` ON `automation_dms` (`organization_id`,`trigger_id`);--> statement-breakpoint
CREATE TABLE `automation_evaluations` (
	`trigger_id` text NOT NULL,
	`comment_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text NOT NULL,
	`post_id` text NOT NULL,
	`commenter_id` text NOT NULL,
	`commenter_name` text,
	`text` text NOT NULL,
	`evaluated_at` integer NOT NULL,
	PRIMARY KEY(`trigger_id`, `comment_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_evaluations_trigger_at` ON `automation_evaluations` (`trigger_id`,`evaluated_at`);--> statement-breakpoint
CREATE TABLE `automation_flow_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`flow_id` text NOT NULL,
	`flow_version` integer NOT NULL,
	`trigger_id` text,
	`comment_id` text,
	`post_id` text,
	`current_block_id` text,
	`fields` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'RUNNING' NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`sent_count` integer DEFAULT 0 NOT NULL,
	`free_text_count` integer DEFAULT 0 NOT NULL,
	`wake_at` integer,
	`outbox` text DEFAULT '[]' NOT NULL,
	`last_input_id` text,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_flow_runs_conversation` ON `automation_flow_runs` (`organization_id`,`conversation_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `automation_flow_runs_flow` ON `automation_flow_runs` (`organization_id`,`flow_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `automation_flow_runs_wake` ON `automation_flow_runs` (`status`,`wake_at`);--> statement-breakpoint
CREATE TABLE `automation_flow_steps` (
	`organization_id` text NOT NULL,
	`run_id` text NOT NULL,
	`flow_id` text NOT NULL,
	`block_id` text NOT NULL,
	`seq` integer NOT NULL,
	`entered_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_flow_steps_run_block_seq` ON `automation_flow_steps` (`run_id`,`block_id`,`seq`);--> statement-breakpoint
CREATE INDEX `automation_flow_steps_flow` ON `automation_flow_steps` (`organization_id`,`flow_id`,`entered_at`);--> statement-breakpoint
CREATE TABLE `automation_flow_versions` (
	`flow_id` text NOT NULL,
	`version` integer NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`blocks` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`flow_id`, `version`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `automation_flows` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`blocks` text NOT NULL,
	`duplicated_from_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_flows_org` ON `automation_flows` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `automation_order_attributions` (
	`order_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`status` text NOT NULL,
	`contact_id` text,
	`conversation_id` text,
	`shop_link_id` text,
	`product_id` text,
	`matched_sku` text,
	`post_id` text,
	`comment_id` text,
	`trigger_id` text,
	`flow_id` text,
	`flow_version` integer,
	`block_id` text,
	`run_id` text,
	`link_sent_at` integer,
	`time_to_order_ms` integer,
	`decided_by_id` text,
	`decided_at` integer,
	`attributed_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `automation_orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_order_attributions_org_status` ON `automation_order_attributions` (`organization_id`,`status`);--> statement-breakpoint
CREATE INDEX `automation_order_attributions_org_conversation` ON `automation_order_attributions` (`organization_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `automation_order_syncs` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`synced_through` integer NOT NULL,
	`last_run_at` integer NOT NULL,
	`last_error` text,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `automation_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`shop_order_id` text NOT NULL,
	`status` text NOT NULL,
	`buyer_user_id` text,
	`currency` text NOT NULL,
	`total_minor` integer NOT NULL,
	`items` text DEFAULT '[]' NOT NULL,
	`order_created_at` integer NOT NULL,
	`order_updated_at` integer NOT NULL,
	`source` text NOT NULL,
	`received_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_orders_org_shop_order` ON `automation_orders` (`organization_id`,`shop_order_id`);--> statement-breakpoint
CREATE INDEX `automation_orders_org_created` ON `automation_orders` (`organization_id`,`order_created_at`);--> statement-breakpoint
CREATE TABLE `automation_posts` (
	`organization_id` text NOT NULL,
	`post_id` text NOT NULL,
	`caption` text,
	`is_live` integer DEFAULT false NOT NULL,
	`published_at` integer NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`synced_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `post_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_posts_org_published` ON `automation_posts` (`organization_id`,`published_at`);--> statement-breakpoint
CREATE TABLE `automation_products` (
	`organization_id` text NOT NULL,
	`product_id` text NOT NULL,
	`name` text NOT NULL,
	`skus` text DEFAULT '[]' NOT NULL,
	`synced_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `product_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `automation_settings` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`use_default_handoff_terms` integer DEFAULT true NOT NULL,
	`wait_window_minutes` integer DEFAULT 1440 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `automation_shop_links` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`product_id` text NOT NULL,
	`skus` text DEFAULT '[]' NOT NULL,
	`message_id` text NOT NULL,
	`flow_id` text,
	`flow_version` integer,
	`block_id` text,
	`run_id` text,
	`trigger_id` text,
	`comment_id` text,
	`post_id` text,
	`sent_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_shop_links_message_product` ON `automation_shop_links` (`message_id`,`product_id`);--> statement-breakpoint
CREATE INDEX `automation_shop_links_contact` ON `automation_shop_links` (`organization_id`,`contact_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `automation_shop_links_conversation` ON `automation_shop_links` (`organization_id`,`conversation_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `automation_throttles` (
	`trigger_id` text NOT NULL,
	`commenter_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`comment_id` text NOT NULL,
	`fired_at` integer NOT NULL,
	PRIMARY KEY(`trigger_id`, `commenter_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `automation_triggers` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'DRAFT' NOT NULL,
	`priority` integer NOT NULL,
	`match` text NOT NULL,
	`scope` text NOT NULL,
	`public_reply` text,
	`action` text NOT NULL,
	`duplicated_from_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automation_triggers_org_priority` ON `automation_triggers` (`organization_id`,`priority`);--> statement-breakpoint
CREATE TABLE `billing_accounts` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`top_up_balance` integer DEFAULT 0 NOT NULL,
	`cycle_anchor` integer NOT NULL,
	`cycle_start` integer NOT NULL,
	`cycle_end` integer NOT NULL,
	`stripe_subscription_id` text,
	`subscription_status` text,
	`payment_failed_at` integer,
	`payment_failure` text,
	`contact_warning_80` integer,
	`contact_warning_95` integer,
	`custom_tokens` integer,
	`custom_seats` integer,
	`custom_contacts` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `channel_agent_tools` (
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`tool_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `tool_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tool_id`) REFERENCES `agent_tools`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channel_agent_tools_tool` ON `channel_agent_tools` (`tool_id`);--> statement-breakpoint
CREATE TABLE `channel_knowledge_groups` (
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`group_id` text NOT NULL,
	PRIMARY KEY(`channel_id`, `group_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `knowledge_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channel_knowledge_groups_group` ON `channel_knowledge_groups` (`group_id`);--> statement-breakpoint
CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`region` text,
	`default_language` text DEFAULT 'en' NOT NULL,
	`auto_translate` integer DEFAULT true NOT NULL,
	`translate_to_language` text,
	`fallback_language` text,
	`ai_provider_id` text,
	`system_prompt` text,
	`credentials_encrypted` text NOT NULL,
	`response_template` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`auto_reply` integer DEFAULT false NOT NULL,
	`auto_approve` integer DEFAULT false NOT NULL,
	`auto_enhance` integer DEFAULT false NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ai_provider_id`) REFERENCES `ai_providers`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `channels_org_type` ON `channels` (`organization_id`,`type`);--> statement-breakpoint
CREATE TABLE `contact_tags` (
	`organization_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`tag` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`contact_id`, `tag`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_tags_org_tag` ON `contact_tags` (`organization_id`,`tag`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`name` text,
	`email` text,
	`phone` text,
	`avatar_url` text,
	`language` text,
	`metadata` text,
	`last_seen_at` integer,
	`next_conversation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_channel_external` ON `contacts` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `contacts_org` ON `contacts` (`organization_id`);--> statement-breakpoint
CREATE TABLE `conversation_archives` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`object_key` text NOT NULL,
	`message_count` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`bytes` integer NOT NULL,
	`closed_at` integer NOT NULL,
	`archived_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_archives_org` ON `conversation_archives` (`organization_id`);--> statement-breakpoint
CREATE TABLE `conversation_automation` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`state` text NOT NULL,
	`waiting_until` integer,
	`handoff_reason` text,
	`last_owner_id` text,
	`trigger_id` text,
	`flow_run_id` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_automation_org_state` ON `conversation_automation` (`organization_id`,`state`);--> statement-breakpoint
CREATE INDEX `conversation_automation_org_trigger` ON `conversation_automation` (`organization_id`,`trigger_id`);--> statement-breakpoint
CREATE INDEX `conversation_automation_waiting` ON `conversation_automation` (`state`,`waiting_until`);--> statement-breakpoint
CREATE TABLE `conversation_handoffs` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_handoffs_org_created` ON `conversation_handoffs` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `conversation_labels` (
	`conversation_id` text NOT NULL,
	`label_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `label_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`label_id`) REFERENCES `labels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_labels_org_label` ON `conversation_labels` (`organization_id`,`label_id`);--> statement-breakpoint
CREATE TABLE `conversation_ratings` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`rating` text NOT NULL,
	`comment` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_ratings_org_created` ON `conversation_ratings` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `conversation_snoozes` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`until` integer NOT NULL,
	`snoozed_by_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`snoozed_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `conversation_snoozes_until` ON `conversation_snoozes` (`until`);--> statement-breakpoint
CREATE INDEX `conversation_snoozes_org` ON `conversation_snoozes` (`organization_id`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`status` text DEFAULT 'OPEN' NOT NULL,
	`priority` text DEFAULT 'NORMAL' NOT NULL,
	`assigned_to_id` text,
	`language` text,
	`subject` text,
	`notes` text,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer NOT NULL,
	`last_message_preview` text,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assigned_to_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `conversations_org_last` ON `conversations` (`organization_id`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_org_status_last` ON `conversations` (`organization_id`,`status`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_org_channel_last` ON `conversations` (`organization_id`,`channel_id`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_org_assignee_last` ON `conversations` (`organization_id`,`assigned_to_id`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_org_language_last` ON `conversations` (`organization_id`,`language`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_org_unread_last` ON `conversations` (`organization_id`,`last_message_at`) WHERE "conversations"."unread_count" > 0;--> statement-breakpoint
CREATE INDEX `conversations_contact` ON `conversations` (`contact_id`,`status`);--> statement-breakpoint
CREATE TABLE `email_import_failures` (
	`channel_id` text NOT NULL,
	`mailbox` text DEFAULT 'INBOX' NOT NULL,
	`uid_validity` integer NOT NULL,
	`uid` integer NOT NULL,
	`organization_id` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`quarantined_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `mailbox`, `uid_validity`, `uid`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `email_mailboxes` (
	`channel_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`mailbox` text DEFAULT 'INBOX' NOT NULL,
	`uid_validity` integer,
	`last_uid` integer DEFAULT 0 NOT NULL,
	`last_poll_at` integer,
	`last_success_at` integer,
	`last_error` text,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `email_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`rfc_message_id` text NOT NULL,
	`direction` text NOT NULL,
	`message_id` text,
	`conversation_id` text,
	`contact_id` text,
	`subject` text,
	`from_address` text,
	`from_name` text,
	`to_addresses` text DEFAULT '[]' NOT NULL,
	`cc_addresses` text DEFAULT '[]' NOT NULL,
	`in_reply_to` text,
	`references` text DEFAULT '[]' NOT NULL,
	`quoted` text,
	`auto_submitted` integer DEFAULT false NOT NULL,
	`claimed_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_messages_channel_rfc_id` ON `email_messages` (`channel_id`,`rfc_message_id`);--> statement-breakpoint
CREATE INDEX `email_messages_org_conversation` ON `email_messages` (`organization_id`,`conversation_id`);--> statement-breakpoint
CREATE INDEX `email_messages_message` ON `email_messages` (`message_id`);--> statement-breakpoint
CREATE TABLE `event_runs` (
	`subscriber` text NOT NULL,
	`event_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`status` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`finished_at` integer,
	PRIMARY KEY(`subscriber`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `event_runs_claimed` ON `event_runs` (`claimed_at`);--> statement-breakpoint
CREATE TABLE `failed_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `faqs` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text,
	`question` text NOT NULL,
	`answer` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`click_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `faqs_org_channel_position` ON `faqs` (`organization_id`,`channel_id`,`position`);--> statement-breakpoint
CREATE TABLE `handoff_rules` (
	`organization_id` text NOT NULL,
	`term` text NOT NULL,
	`handoff` integer NOT NULL,
	`tag` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `term`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `held_messages` (
	`message_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `held_messages_org_created` ON `held_messages` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `integration_deliveries` (
	`integration_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`integration_id`, `event_id`),
	FOREIGN KEY (`integration_id`) REFERENCES `notification_integrations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `integration_deliveries_claimed` ON `integration_deliveries` (`claimed_at`);--> statement-breakpoint
CREATE TABLE `integration_oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`provider` text NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`provider` text NOT NULL,
	`status` text DEFAULT 'CONNECTED' NOT NULL,
	`account_id` text NOT NULL,
	`account_name` text,
	`granted_scopes` text DEFAULT '[]' NOT NULL,
	`tokens_encrypted` text NOT NULL,
	`access_expires_at` integer NOT NULL,
	`refresh_expires_at` integer,
	`last_sync_at` integer,
	`last_event_at` integer,
	`last_error` text,
	`channel_id` text,
	`connected_by_id` text,
	`connected_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`connected_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `integrations_org_provider` ON `integrations` (`organization_id`,`provider`);--> statement-breakpoint
CREATE INDEX `integrations_provider_account` ON `integrations` (`provider`,`account_id`);--> statement-breakpoint
CREATE INDEX `integrations_access_expiry` ON `integrations` (`access_expires_at`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`invited_by_id` text,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`invited_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_org_status` ON `invitations` (`organization_id`,`status`);--> statement-breakpoint
CREATE TABLE `knowledge_articles` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`group_id` text NOT NULL,
	`title` text NOT NULL,
	`source` text NOT NULL,
	`source_url` text,
	`file_name` text,
	`storage_key` text,
	`content` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'PROCESSING' NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `knowledge_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `knowledge_articles_org_group_status` ON `knowledge_articles` (`organization_id`,`group_id`,`status`);--> statement-breakpoint
CREATE INDEX `knowledge_articles_org_status` ON `knowledge_articles` (`organization_id`,`status`);--> statement-breakpoint
CREATE TABLE `knowledge_chunks` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`article_id` text NOT NULL,
	`group_id` text NOT NULL,
	`position` integer NOT NULL,
	`heading` text,
	`text` text NOT NULL,
	`embedding` blob,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`article_id`) REFERENCES `knowledge_articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `knowledge_chunks_article` ON `knowledge_chunks` (`article_id`,`position`);--> statement-breakpoint
CREATE INDEX `knowledge_chunks_org_group` ON `knowledge_chunks` (`organization_id`,`group_id`);--> statement-breakpoint
CREATE TABLE `knowledge_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `knowledge_groups_org` ON `knowledge_groups` (`organization_id`);--> statement-breakpoint
CREATE TABLE `labels` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`color` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labels_org_name` ON `labels` (`organization_id`,`name`);--> statement-breakpoint
CREATE TABLE `login_throttles` (
	`email` text PRIMARY KEY NOT NULL,
	`attempts` integer NOT NULL,
	`window_started_at` integer NOT NULL,
	`lockouts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_throttles_updated` ON `login_throttles` (`updated_at`);--> statement-breakpoint
CREATE TABLE `media` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text,
	`channel_id` text,
	`storage_key` text NOT NULL,
	`file_name` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`uploaded_by_id` text,
	`uploader_type` text DEFAULT 'MEMBER' NOT NULL,
	`uploaded_by_visitor_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `media_storage_key_unique` ON `media` (`storage_key`);--> statement-breakpoint
CREATE INDEX `media_org_created` ON `media` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`status` text DEFAULT 'ACTIVE' NOT NULL,
	`last_login_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `memberships_org_user` ON `memberships` (`organization_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `message_events` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`message_id` text NOT NULL,
	`type` text NOT NULL,
	`detail` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_events_message` ON `message_events` (`message_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`direction` text NOT NULL,
	`is_note` integer DEFAULT false NOT NULL,
	`sender_type` text NOT NULL,
	`sender_id` text,
	`content` text NOT NULL,
	`original_content` text,
	`translated_content` text,
	`language` text,
	`translated_language` text,
	`attachments` text DEFAULT '[]' NOT NULL,
	`external_id` text,
	`provider_message_id` text,
	`approval_status` text DEFAULT 'NONE' NOT NULL,
	`delivery_status` text DEFAULT 'NOT_SENT' NOT NULL,
	`citations` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_conversation_seq` ON `messages` (`conversation_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_org_created` ON `messages` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_conversation_approval` ON `messages` (`conversation_id`,`approval_status`);--> statement-breakpoint
CREATE INDEX `messages_org_provider_id` ON `messages` (`organization_id`,`provider_message_id`);--> statement-breakpoint
CREATE TABLE `meta_inbound_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`events` text NOT NULL,
	`sweeps` integer DEFAULT 0 NOT NULL,
	`retry_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `meta_inbound_batches_retry` ON `meta_inbound_batches` (`retry_at`);--> statement-breakpoint
CREATE TABLE `meta_inbound_ids` (
	`channel_id` text NOT NULL,
	`external_message_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `external_message_id`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `meta_inbound_ids_received` ON `meta_inbound_ids` (`received_at`);--> statement-breakpoint
CREATE TABLE `meta_template_sends` (
	`organization_id` text NOT NULL,
	`external_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`name` text NOT NULL,
	`language` text NOT NULL,
	`parameters` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `external_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `meta_webhook_health` (
	`key` text PRIMARY KEY NOT NULL,
	`last_event_at` integer,
	`last_signature_failure_at` integer,
	`last_signature_failure` text
);
--> statement-breakpoint
CREATE TABLE `note_mentions` (
	`message_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`message_id`, `user_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `note_mentions_user` ON `note_mentions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `notification_integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`config` text NOT NULL,
	`events` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notification_integrations_org` ON `notification_integrations` (`organization_id`);--> statement-breakpoint
CREATE TABLE `notification_preferences` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`event` text NOT NULL,
	`delivery` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`scope` text DEFAULT 'ALL' NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_preferences_unique` ON `notification_preferences` (`organization_id`,`user_id`,`event`,`delivery`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`event` text NOT NULL,
	`event_id` text NOT NULL,
	`conversation_id` text,
	`title` text NOT NULL,
	`body` text,
	`in_app` integer DEFAULT true NOT NULL,
	`email_status` text,
	`email_claimed_at` integer,
	`read_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notifications_user_created` ON `notifications` (`user_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_user_event` ON `notifications` (`user_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `notifications_email_status` ON `notifications` (`email_status`,`user_id`,`conversation_id`);--> statement-breakpoint
CREATE INDEX `notifications_created` ON `notifications` (`created_at`);--> statement-breakpoint
CREATE TABLE `organization_settings` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`business_hours` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'FREE' NOT NULL,
	`token_balance` integer DEFAULT 0 NOT NULL,
	`stripe_customer_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbound_emails` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text,
	`to` text NOT NULL,
	`from` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text,
	`transport` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `outbound_emails_to` ON `outbound_emails` (`to`,`created_at`);--> statement-breakpoint
CREATE TABLE `password_resets` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `password_resets_token_hash_unique` ON `password_resets` (`token_hash`);--> statement-breakpoint
CREATE INDEX `password_resets_user` ON `password_resets` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `pending_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pending_jobs_created` ON `pending_jobs` (`created_at`);--> statement-breakpoint
CREATE TABLE `push_deliveries` (
	`notification_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`status` text NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`notification_id`, `subscription_id`),
	FOREIGN KEY (`notification_id`) REFERENCES `notifications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscription_id`) REFERENCES `push_subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `push_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`user_agent` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_endpoint_unique` ON `push_subscriptions` (`endpoint`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_user` ON `push_subscriptions` (`user_id`);--> statement-breakpoint
CREATE TABLE `saved_replies` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`shortcut` text NOT NULL,
	`content` text NOT NULL,
	`created_by_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_replies_org_shortcut` ON `saved_replies` (`organization_id`,`shortcut`);--> statement-breakpoint
CREATE TABLE `saved_views` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`filters` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `saved_views_org_user` ON `saved_views` (`organization_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`user_agent` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_org` ON `sessions` (`user_id`,`organization_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tiktok_threads` (
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`last_inbound_at` integer NOT NULL,
	`sent_in_window` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`organization_id`, `user_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `token_charge_keys` (
	`organization_id` text NOT NULL,
	`key` text NOT NULL,
	`ledger_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `key`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `token_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`delta` integer NOT NULL,
	`reason` text NOT NULL,
	`reference_id` text,
	`balance_after` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `token_ledger_org_created` ON `token_ledger` (`organization_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `tool_call_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`tool_id` text NOT NULL,
	`conversation_id` text,
	`arguments` text,
	`status` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`response` text,
	`error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tool_id`) REFERENCES `agent_tools`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tool_call_logs_tool_created` ON `tool_call_logs` (`tool_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `widget_refused_origins` (
	`organization_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`origin` text NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `origin`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `widget_refused_origins_org_channel` ON `widget_refused_origins` (`organization_id`,`channel_id`,`last_seen_at`);