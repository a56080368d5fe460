-- AlterTable
ALTER TABLE "AlertRule" ADD COLUMN     "forecast" JSONB;
