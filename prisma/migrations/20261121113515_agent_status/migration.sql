-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "status" JSONB,
ADD COLUMN     "version" TEXT NOT NULL DEFAULT '';

